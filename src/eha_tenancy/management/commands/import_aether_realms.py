"""Copy realms from aether.sdk's multitenancy_mtinstance table into a realm model."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from ...conf import app_settings
from ...migration import AETHER_TABLE, import_aether_realms
from ...models import MtModelAbstract
from ...realms import is_valid_realm


class Command(BaseCommand):
    help = ("Copy each row's realm from aether.sdk's multitenancy_mtinstance table "
            "into the realm column of an MtModelAbstract model.")

    def add_arguments(self, parser):
        parser.add_argument("model", help='The realm model, as "app_label.ModelName".')
        parser.add_argument("--table", default=AETHER_TABLE,
                            help=f"aether's table (default {AETHER_TABLE}).")
        parser.add_argument("--default-realm", default=None,
                            help="Realm of rows aether's table lacks (default DEFAULT_REALM).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, model, table, default_realm, database, **options):
        try:
            model_class = apps.get_model(model)
        except (LookupError, ValueError) as exc:
            raise CommandError(f"Unknown model {model!r}: use app_label.ModelName.") from exc
        if not issubclass(model_class, MtModelAbstract):
            raise CommandError(f"{model} does not extend MtModelAbstract.")
        default_realm = default_realm or app_settings.DEFAULT_REALM
        if not is_valid_realm(default_realm):
            raise CommandError(f"{default_realm!r} is not a valid realm name.")
        if table not in connections[database].introspection.table_names():
            raise CommandError(f"Table {table!r} not found in database {database!r}.")
        with transaction.atomic(using=database):
            count = import_aether_realms(model_class, table=table,
                                         default_realm=default_realm, using=database)
        self.stdout.write(f"{count} rows of {model} now carry their realm.")
