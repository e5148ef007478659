"""Create or update a user of a realm (idempotent)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from eha_auth.accounts.commands import add_password_arguments, ensure_token, read_password
from eha_auth.accounts.realms import add_to_realm
from eha_auth.conf import app_settings
from eha_auth.oidc.users import get_user_mapper
from eha_auth.users import display_username, realm_username

ENV_NAME = "EHA_USER_PASSWORD"


class Command(BaseCommand):
    help = ("Create or update a user (in realm -r when MULTITENANCY is on); the password "
            "comes from -p, EHA_USER_PASSWORD or a prompt.")

    def add_arguments(self, parser):
        parser.add_argument("-u", "--username", required=True)
        parser.add_argument("-r", "--realm", help="the realm (required when MULTITENANCY is on)")
        add_password_arguments(parser, ENV_NAME)

    def handle(self, *args, **options):
        realm = options["realm"]
        if app_settings.MULTITENANCY and not realm:
            raise CommandError("MULTITENANCY is on: name the user's realm with -r REALM.")
        if realm and not app_settings.MULTITENANCY:
            raise CommandError("MULTITENANCY is off: realms are not used; drop -r.")
        User = get_user_model()
        username = realm_username(realm, options["username"])
        self.validate(User, username)
        with transaction.atomic():
            user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
            created = user is None
            password = read_password(options, ENV_NAME, required=created)
            if user is None:
                user, _ = get_user_mapper().get_or_create_local_user(
                    realm, {"preferred_username": username})
                if user is None:
                    raise CommandError(f"Invalid username: {username!r}.")
            if password:
                user.set_password(password)
                user.save(update_fields=["password"])
            add_to_realm(user, realm)
            token_made = ensure_token(user, options["token"])
        shown = display_username(username)
        where = f" in realm {realm!r}" if realm else ""
        self.stdout.write(f"{'Created' if created else 'Updated'} user {shown!r}{where}"
                          + (" with a token." if token_made else "."))

    def validate(self, User, username: str) -> None:
        try:
            User._meta.get_field(User.USERNAME_FIELD).run_validators(username)
        except ValidationError as exc:
            raise CommandError(f"Invalid username: {' '.join(exc.messages)}") from exc
