"""Create or update the admin user (idempotent)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from eha_auth.accounts.commands import add_password_arguments, ensure_token, read_password
from eha_auth.oidc.users import get_user_mapper

ENV_NAME = "EHA_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = ("Create or update a superuser; the password comes from -p, EHA_ADMIN_PASSWORD "
            "or a prompt.")

    def add_arguments(self, parser):
        parser.add_argument("-u", "--username", default="admin", help="default: admin")
        parser.add_argument("-e", "--email", default="", help="the admin's email")
        add_password_arguments(parser, ENV_NAME)

    def handle(self, *args, **options):
        User = get_user_model()
        username = options["username"]
        with transaction.atomic():
            user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
            created = user is None
            password = read_password(options, ENV_NAME, required=created)
            if created:
                claims = {"preferred_username": username, "email": options["email"]}
                user, _ = get_user_mapper().get_or_create_local_user(None, claims)
                if user is None:
                    raise CommandError(f"Invalid username: {username!r}.")
            self.update(user, password, options["email"])
            token_made = ensure_token(user, options["token"])
        verb = "Created" if created else "Updated"
        ending = " with a token." if token_made else "."
        self.stdout.write(f"{verb} admin user {username!r}{ending}")

    def update(self, user, password, email) -> None:
        """Make ``user`` an active superuser, with ``email`` and ``password`` when given."""
        user.is_staff = user.is_superuser = user.is_active = True
        if email:
            user.email = email
        if password:
            user.set_password(password)
        user.save()
