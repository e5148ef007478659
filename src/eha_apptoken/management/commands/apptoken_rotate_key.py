"""Re-encrypt every stored token with the first encryption key."""

from django.core.management.base import BaseCommand
from django.db import transaction

from eha_apptoken.models import AppToken


class Command(BaseCommand):
    help = ("Re-encrypt every stored token with the first key of APPTOKEN_ENCRYPTION_KEYS "
            "(or the key derived from SECRET_KEY); afterwards older keys can be removed.")

    def handle(self, *args, **options):
        rotated = lost = 0
        with transaction.atomic():
            for row in AppToken.objects.select_for_update().only("pk", "token").iterator():
                # Reading decrypts with any configured key; saving encrypts with the first.
                if row.token is None:
                    lost += 1
                AppToken.objects.filter(pk=row.pk).update(token=row.token)
                rotated += 1
        self.stdout.write(f"Re-encrypted {rotated - lost} token(s).")
        if lost:
            self.stdout.write(f"{lost} token(s) had no value or could not be decrypted with "
                              "the configured keys; they will be obtained again on use.")
