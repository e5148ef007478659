"""Create the demo users (idempotent) and print how to sign in."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the demo site's users."

    def handle(self, *args, **options):
        password = settings.DEMO_PASSWORD
        User = get_user_model()
        admin, _ = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        admin.set_password(password)
        admin.save()
        self.stdout.write(f"Demo user: admin / {password} (EHA_DEMO_PASSWORD to change)")
        self.setup_realms(password)

    def setup_realms(self, password):
        """Two realms, alpha and beta, each with a member and a few notes."""
        from django.contrib.auth.models import Permission

        from eha_tenancy import add_user_to_realm, realm_context
        from example.demo.models import Note

        User = get_user_model()
        can_use_notes = Permission.objects.filter(content_type__app_label="demo")
        for realm, name in (("alpha", "alice"), ("beta", "bob")):
            user, _ = User.objects.get_or_create(username=name, defaults={"is_staff": True})
            user.set_password(password)
            user.save()
            user.user_permissions.add(*can_use_notes)
            add_user_to_realm(realm, user)
            with realm_context(realm):
                for number in range(1, 4):
                    Note.objects.get_or_create(title=f"{realm} note {number}",
                                               defaults={"author": user})
            self.stdout.write(f"Realm {realm}: {name} / {password} "
                              f"(API: /api/notes/ with header Eha-Realm: {realm})")
