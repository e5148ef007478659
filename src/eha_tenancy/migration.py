"""Move realms from aether.sdk's ``multitenancy_mtinstance`` table into the realm column.

In a data migration of the app that owns the model::

    from eha_tenancy.migration import copy_aether_realms

    migrations.RunPython(copy_aether_realms("projects.Project"), migrations.RunPython.noop)

or once, from the shell: ``python manage.py import_aether_realms projects.Project``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections

AETHER_TABLE = "multitenancy_mtinstance"


def import_aether_realms(model: Any, *, table: str = AETHER_TABLE, default_realm: str,
                         using: str = "default") -> int:
    """Copy each row's realm from aether's table; rows it lacks get ``default_realm``.

    Return the number of rows updated. Works on the model's table directly (no
    manager), so it runs with or without an active realm.
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    target, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    mt = quote(table)
    # Identifiers only, quoted by the backend; the one value is a parameter.
    sql = (f"UPDATE {target} SET realm = COALESCE((SELECT mt.realm FROM {mt} mt "  # noqa: S608
           f"WHERE mt.instance_id = {target}.{pk}), %s)")
    with connection.cursor() as cursor:
        cursor.execute(sql, [default_realm])
        return cursor.rowcount


def copy_aether_realms(label: str, *, table: str = AETHER_TABLE,
                       default_realm: str | None = None) -> Callable:
    """Return a RunPython function copying realms into the model ``label`` ("app.Model")."""

    def run(apps: Any, schema_editor: Any) -> None:
        from .conf import app_settings

        import_aether_realms(apps.get_model(label), table=table,
                             default_realm=default_realm or app_settings.DEFAULT_REALM,
                             using=schema_editor.connection.alias)

    return run
