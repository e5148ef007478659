"""Move realms from aether.sdk's ``multitenancy_mtinstance`` table into the realm column.

In a migration of the app that owns the model, the column is added, filled
from aether's table and made non-null in one go (no default to invent, no
moment in which every row sits in the default realm)::

    from eha_tenancy.migration import realm_column_from_aether

    operations = [*realm_column_from_aether("projects.Project")]

or, for a column already added empty, once from the shell:
``python manage.py import_aether_realms projects.Project --drop-aether-table``.
Either way only rows without a realm are filled: a second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import connections, migrations, models

from .conf import app_settings
from .exceptions import InvalidRealm
from .models import MtModelAbstract
from .names import MAX_LENGTH, is_valid_realm

AETHER_TABLE = "multitenancy_mtinstance"
# Rows with no realm yet: NULL while the column is being added, '' when added empty.
_NO_REALM = "({target}.realm IS NULL OR {target}.realm = '')"


def import_aether_realms(model: Any, *, table: str | None = AETHER_TABLE, default_realm: str,
                         using: str = "default") -> int:
    """Give each row without a realm its realm from aether's table, else ``default_realm``.

    ``table=None``: there is no aether table (aether ran without multitenancy),
    every such row gets ``default_realm``, as aether's ``get_realm()`` said.
    Rows that carry a realm are left alone. Refuse, before writing anything, realm
    names eha_tenancy cannot use (InvalidRealm listing them). Return the number
    of rows filled. Works on the table directly (no manager, no realm needed).
    """
    if not is_valid_realm(default_realm):
        raise InvalidRealm(f"{default_realm!r} is not a valid realm name.")
    if table is not None:
        _refuse_bad_names(model, table, using)
    connection = connections[using]
    target, pk, mt = _names(model, table or AETHER_TABLE, using)
    # Identifiers only, quoted by the backend; the one value is a parameter.
    realm = ("%s" if table is None else f"COALESCE((SELECT mt.realm FROM {mt} mt "  # noqa: S608
                                        f"WHERE mt.instance_id = {target}.{pk}), %s)")
    sql = f"UPDATE {target} SET realm = {realm} WHERE {_NO_REALM.format(target=target)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [default_realm])
        return cursor.rowcount


def aether_realm_names(model: Any, table: str = AETHER_TABLE,
                       using: str = "default") -> dict[str, int]:
    """Return the realms aether's table gives the rows still without one, with row counts."""
    target, pk, mt = _names(model, table, using)
    sql = (f"SELECT mt.realm, COUNT(*) FROM {mt} mt JOIN {target} ON "  # noqa: S608
           f"mt.instance_id = {target}.{pk} WHERE {_NO_REALM.format(target=target)} "
           "GROUP BY mt.realm")
    with connections[using].cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def disagreeing_rows(model: Any, table: str = AETHER_TABLE, using: str = "default") -> int:
    """Return how many rows carry another realm than the one aether's table gives them."""
    target, pk, mt = _names(model, table, using)
    sql = (f"SELECT COUNT(*) FROM {mt} mt JOIN {target} ON mt.instance_id = "  # noqa: S608
           f"{target}.{pk} WHERE NOT {_NO_REALM.format(target=target)} "
           f"AND {target}.realm <> mt.realm")
    with connections[using].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def drop_aether_table(table: str = AETHER_TABLE, using: str = "default") -> None:
    """Drop aether's table, and with it its foreign key to the realm model.

    Left in place, that key (``DEFERRABLE INITIALLY DEFERRED``) refuses, at
    commit, every delete of a row it names: aether's app, which cascaded those
    deletes, is no longer installed.
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Checks of its key still pending in this transaction would refuse the DROP.
            for name, constraint in connection.introspection.get_constraints(
                    cursor, table).items():
                if constraint["foreign_key"]:
                    cursor.execute(f"SET CONSTRAINTS {quote(name)} IMMEDIATE")
        cursor.execute(f"DROP TABLE {quote(table)}")


def realm_column_from_aether(label: str, *, table: str = AETHER_TABLE,
                             default_realm: str | None = None,
                             drop_table: bool = False) -> list:
    """Return migration operations adding the realm column of ``label`` ("app.Model").

    The column is added nullable, filled from aether's table (rows it lacks, and
    every row when there is no such table, get ``default_realm``, by default
    DEFAULT_REALM), then made non-null, inside the migration's transaction.
    ``drop_table=True`` drops aether's table afterwards (that step cannot be
    reversed). Put them in a migration of the model's own app.
    """
    model_name = label.split(".")[-1].lower()
    name, _, args, kwargs = MtModelAbstract._meta.get_field("realm").deconstruct()
    operations = [
        migrations.AddField(model_name, name, models.CharField(*args, **{**kwargs, "null": True})),
        migrations.RunPython(partial(fill_realms_from_aether, label=label, table=table,
                                     default_realm=default_realm),
                             migrations.RunPython.noop),
        migrations.AlterField(model_name, name, models.CharField(*args, **kwargs)),
    ]
    if drop_table:
        operations.append(migrations.RunPython(partial(drop_aether_table_if_present,
                                                       table=table)))
    return operations


def fill_realms_from_aether(apps: Any, schema_editor: Any, *, label: str,
                            table: str = AETHER_TABLE, default_realm: str | None = None) -> None:
    """RunPython function: fill the realm of ``label``'s rows from aether's table, if any."""
    connection = schema_editor.connection
    present = table in connection.introspection.table_names()
    import_aether_realms(apps.get_model(label), table=table if present else None,
                         default_realm=default_realm or app_settings.DEFAULT_REALM,
                         using=connection.alias)


def drop_aether_table_if_present(apps: Any, schema_editor: Any, *,
                                 table: str = AETHER_TABLE) -> None:
    """RunPython function: drop aether's table when the database has it."""
    connection = schema_editor.connection
    if table in connection.introspection.table_names():
        drop_aether_table(table, connection.alias)


def copy_aether_realms(label: str, *, table: str = AETHER_TABLE,
                       default_realm: str | None = None) -> Callable:
    """Return a RunPython function filling the realms of ``label`` ("app.Model").

    For a realm column already added; realm_column_from_aether() adds it too.
    """
    return partial(fill_realms_from_aether, label=label, table=table,
                   default_realm=default_realm)


def _refuse_bad_names(model: Any, table: str, using: str) -> None:
    bad = {name: count for name, count in aether_realm_names(model, table, using).items()
           if not is_valid_realm(name)}
    if not bad:
        return
    lines = [f"  {name!r} ({count} rows): {_why(name)}" for name, count in sorted(bad.items())]
    rename = f"UPDATE {table} SET realm = 'new-name' WHERE realm = 'old name';"  # noqa: S608 (shown, not run)
    raise InvalidRealm(
        f"{table} holds realm names eha_tenancy cannot use; nothing was written:\n"
        + "\n".join(lines) + f"\nRename each one in the table first ({rename}), then "
        "the realm where its users sign in (Keycloak) and its Group, to match.")


def _why(name: str) -> str:
    if len(name) > MAX_LENGTH:
        return f"longer than {MAX_LENGTH} characters"
    if "__" in name or ".." in name:
        return "holds '__' or '..'"
    return ("only ASCII letters, digits, '.', '_' and '-' are allowed, with a letter or "
            "digit at both ends")


def _names(model: Any, table: str, using: str) -> tuple[str, str, str]:
    quote = connections[using].ops.quote_name
    return quote(model._meta.db_table), quote(model._meta.pk.column), quote(table)
