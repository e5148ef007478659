"""List users' external-app tokens (never their values), or revoke them."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from eha_apptoken.models import AppToken


class Command(BaseCommand):
    help = "List stored app tokens (user, app, dates; never the token), or revoke them."

    def add_arguments(self, parser):
        parser.add_argument("-u", "--user", help="only this username")
        parser.add_argument("-a", "--app", help="only this external app")
        parser.add_argument("--revoke", action="store_true",
                            help="delete the matching tokens (they are obtained again on use)")
        parser.add_argument("--all", action="store_true",
                            help="with --revoke and no --user/--app: revoke every token")

    def handle(self, *args, user=None, app=None, revoke=False, all=False, **options):
        rows = AppToken.objects.select_related("user").order_by("user__username", "app")
        if user:
            field = get_user_model().USERNAME_FIELD
            rows = rows.filter(**{f"user__{field}": user})
        if app:
            rows = rows.filter(app=app)
        if revoke:
            if not (user or app or all):
                raise CommandError("Name --user and/or --app, or pass --all, to revoke.")
            count, _ = rows.delete()
            self.stdout.write(f"Revoked {count} token(s).")
            return
        for row in rows.defer("token"):
            validated = row.validated_at.isoformat() if row.validated_at else "never"
            self.stdout.write(f"{row.user.get_username()}\t{row.app}\tvalidated {validated}")
