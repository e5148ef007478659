from django.apps import AppConfig
from django.db.backends.signals import connection_created


def fast_sqlite(sender, connection, **kwargs):
    # A throwaway test provider: durability is not needed, speed is.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA journal_mode=WAL")


class IdpConfig(AppConfig):
    name = "example.idp"
    label = "idp"
    verbose_name = "Keycloak-shaped test provider"

    def ready(self) -> None:
        connection_created.connect(fast_sqlite, dispatch_uid="idp.fast_sqlite")
