"""Copy realms from aether.sdk's multitenancy_mtinstance table into a realm model."""

from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from ...conf import app_settings
from ...exceptions import InvalidRealm
from ...migration import (
    AETHER_TABLE,
    aether_realm_names,
    disagreeing_rows,
    import_aether_realms,
)
from ...migration import drop_aether_table as drop_table
from ...models import MtModelAbstract, MtModelChildAbstract
from ...names import is_valid_realm


class Command(BaseCommand):
    help = ("Fill the realm column of an MtModelAbstract model from aether.sdk's "
            "multitenancy_mtinstance table. Only rows without a realm are filled, so a "
            "second run changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("model", help='The realm model, as "app_label.ModelName".')
        parser.add_argument("--table", default=AETHER_TABLE,
                            help=f"aether's table (default {AETHER_TABLE}).")
        parser.add_argument("--default-realm", default=None,
                            help="Realm of rows aether's table lacks (default DEFAULT_REALM).")
        parser.add_argument("--drop-aether-table", action="store_true",
                            help="Then drop aether's table: its foreign key refuses every "
                                 "delete of the rows it names.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, model, table, default_realm, drop_aether_table, database,
               **options):
        model_class = self.realm_model(model)
        default_realm = default_realm or app_settings.DEFAULT_REALM
        if not is_valid_realm(default_realm):
            raise CommandError(f"{default_realm!r} is not a valid realm name.")
        self.check_database(model_class, table, database)
        with transaction.atomic(using=database):
            realms = set(aether_realm_names(model_class, table, database))
            try:
                count = import_aether_realms(model_class, table=table,
                                             default_realm=default_realm, using=database)
            except InvalidRealm as exc:
                raise CommandError(str(exc)) from exc
            disagreeing = disagreeing_rows(model_class, table, database)
            if drop_aether_table:
                drop_table(table, database)
        self.report(model, count, disagreeing, realms)
        if drop_aether_table:
            self.stdout.write(f"Dropped {table}.")

    def realm_model(self, label: str):
        """Return the model named ``label``, or say why it is not one to fill."""
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError) as exc:
            raise CommandError(f"Unknown model {label!r}: use app_label.ModelName.") from exc
        if issubclass(model, MtModelChildAbstract):
            raise CommandError(
                f"{label} extends MtModelChildAbstract: it needs nothing, its realm is its "
                f"owner's (mt_field {model.mt_field!r}). Run this for the owner, the "
                "MtModelAbstract model (aether's MULTITENANCY_MODEL).")
        if not issubclass(model, MtModelAbstract):
            raise CommandError(f"{label} does not extend MtModelAbstract: it has no realm "
                               "column to fill.")
        return model

    def check_database(self, model, table: str, database: str) -> None:
        """Refuse a database without aether's table or without the realm column."""
        connection = connections[database]
        tables = connection.introspection.table_names()
        if table not in tables:
            raise CommandError(f"Table {table!r} not found in database {database!r}.")
        with connection.cursor() as cursor:
            columns = {column.name for column in connection.introspection
                       .get_table_description(cursor, model._meta.db_table)}
        if "realm" not in columns:
            raise CommandError(
                f"{model._meta.db_table} has no realm column: add it with a migration first "
                "(eha_tenancy.migration.realm_column_from_aether, see the README). "
                "migrate --fake-initial marks a new 0001_initial applied without adding it.")

    def report(self, label: str, count: int, disagreeing: int, realms: set) -> None:
        self.stdout.write(f"{count} rows of {label} now carry their realm (rows that "
                          "carried one already were left alone).")
        if disagreeing:
            self.stderr.write(
                f"{disagreeing} rows carry another realm than {label}'s row in aether's "
                "table: left alone (moved or created since an earlier run, or the realm "
                "column was added with a default). Move rows with add_to_realm().")
        missing = sorted(realms - set(Group.objects.filter(name__in=realms)
                                      .values_list("name", flat=True))
                         - {app_settings.DEFAULT_REALM})
        if missing:
            self.stdout.write("Realms with no Group yet (nobody can use them until users "
                              f"are added to them): {', '.join(missing)}.")
