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
