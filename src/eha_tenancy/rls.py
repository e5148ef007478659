"""PostgreSQL row-level security on realm tables: the policy, and what the catalog says.

Each realm model's table gets one policy, ``eha_realm``, for every command::

    USING (realm = NULLIF((SELECT current_setting('eha.realm', true)), ''))
    WITH CHECK (the same)

``current_setting(name, true)`` is NULL (or '' once set and reset) where no realm was
given, and ``realm = NULL`` holds for no row: a connection that names no realm sees
nothing. The sub-SELECT reads the setting once per statement (an InitPlan), not once
per row. Child models (realm through ``mt_field``) compare their owner's realm::

    USING (EXISTS (SELECT 1 FROM project o1 WHERE o1.id = survey.project_id
                   AND o1.realm = ...))

through every level of ``mt_field``. The subquery reads the owners' tables as the
current role, so their own policies apply there too. A child is always in its
owner's realm: nothing is copied that could fall out of step. Operations that add
the policy live in operations.py; db.py puts the realm in the setting for each
transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import router

from .conf import app_settings
from .models import MtModelAbstract, MtModelChildAbstract

POLICY = "eha_realm"
# A custom setting needs a prefix: "eha.realm". Letters, digits and _ only, so the name
# can sit in a SQL string literal as it is.
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+", re.ASCII)

Quote = Callable[[str], str]


def is_valid_setting_name(name: Any) -> bool:
    """Return True when ``name`` can name a custom PostgreSQL setting ("eha.realm")."""
    return isinstance(name, str) and _SETTING_NAME.fullmatch(name) is not None


def setting_name() -> str:
    """Return TENANCY_RLS_SETTING, or raise ImproperlyConfigured if it cannot name one."""
    name = app_settings.RLS_SETTING
    if not is_valid_setting_name(name):
        raise ImproperlyConfigured(
            f"TENANCY_RLS_SETTING {name!r} cannot name a PostgreSQL setting: use a "
            'dotted name of letters, digits and _, such as "eha.realm".')
    return name


def realm_value_sql(name: str) -> str:
    """Return the SQL reading the realm from the setting ``name``; NULL when none is set."""
    return f"NULLIF((SELECT current_setting('{name}', true)), '')"


def realm_path(model: Any, mt_field: str | None = None) -> tuple[list[tuple], str]:
    """Return the hops from ``model``'s table to the table holding its realm, and that column.

    Each hop is (column on the current table, next table, the column it points at):
    one per foreign key of ``mt_field``, and one more where the realm column sits in a
    parent table (multi-table inheritance). Works on historical models (migrations).
    """
    hops: list[tuple] = []
    current = model
    try:
        for name in mt_field.split("__") if mt_field else []:
            link = current._meta.get_field(name)
            if not (link.many_to_one or link.one_to_one):
                raise FieldDoesNotExist(name)
            current = link.related_model
            hops.append((link.column, current._meta.db_table, link.target_field.column))
        realm = current._meta.get_field("realm")
    except FieldDoesNotExist:
        raise ValueError(
            f"{model._meta.label} does not reach a realm column through "
            f"mt_field={mt_field!r}: name the path to the owner, as in "
            'EnableRealmRLS("Answer", mt_field="survey__project").') from None
    if realm.model._meta.db_table != current._meta.db_table:
        parent = current._meta.get_ancestor_link(realm.model)
        hops.append((parent.column, realm.model._meta.db_table, parent.target_field.column))
    return hops, realm.column


def realm_condition(model: Any, mt_field: str | None, name: str, quote: Quote) -> str:
    """Return the policy's condition: the row's realm (or its owner's) is the setting's."""
    hops, realm_column = realm_path(model, mt_field)
    value = realm_value_sql(name)
    if not hops:
        return f"{quote(realm_column)} = {value}"
    column, table, target = hops[0]
    source = [f"{quote(table)} o1"]
    for number, (link, next_table, next_target) in enumerate(hops[1:], start=2):
        source.append(f"JOIN {quote(next_table)} o{number} "
                      f"ON o{number}.{quote(next_target)} = o{number - 1}.{quote(link)}")
    # EXISTS rather than "column IN (SELECT ...)": two levels down, PostgreSQL then
    # reads the realm's owners by index instead of scanning the table between them
    # (benchmarks/scenarios/tenancy_rls_children.py: 13 ms a raw page, not 220 ms).
    # Identifiers quoted by the backend, and the setting's name checked: no values.
    row = f"{quote(model._meta.db_table)}.{quote(column)}"
    return (f"EXISTS (SELECT 1 FROM {' '.join(source)} "  # noqa: S608
            f"WHERE o1.{quote(target)} = {row} "
            f"AND o{len(hops)}.{quote(realm_column)} = {value})")


def enable_statements(model: Any, mt_field: str | None, quote: Quote,
                      force: bool) -> list[str]:
    """Return the SQL enabling the realm policy on ``model``'s table (run again: replaced)."""
    table = quote(model._meta.db_table)
    condition = realm_condition(model, mt_field, setting_name(), quote)
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} {'' if force else 'NO '}FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {table}",
        f"CREATE POLICY {POLICY} ON {table} USING ({condition}) WITH CHECK ({condition})",
    ]


def disable_statements(model: Any, quote: Quote) -> list[str]:
    """Return the SQL removing the realm policy and row-level security from the table."""
    table = quote(model._meta.db_table)
    return [
        f"DROP POLICY IF EXISTS {POLICY} ON {table}",
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]


# What the database holds.

def realm_models(app_configs: Iterable | None = None, alias: str | None = None) -> list:
    """Return the concrete realm models (one per table) stored in the database ``alias``."""
    configs = app_configs if app_configs is not None else apps.get_app_configs()
    found: dict[str, Any] = {}
    for model in (model for config in configs for model in config.get_models()):
        if (issubclass(model, MtModelAbstract | MtModelChildAbstract) and model._meta.managed
                and not model._meta.proxy
                and (alias is None or router.allow_migrate_model(alias, model))):
            found.setdefault(model._meta.db_table, model)
    return list(found.values())


@dataclass
class TableState:
    """Row-level security on one realm table, as the catalog has it."""

    model: Any
    exists: bool = False
    enabled: bool = False
    forced: bool = False
    owned: bool = False  # the connection's role is (or has the rights of) the owner
    policy: str | None = None  # the USING expression of the eha_realm policy

    @property
    def table(self) -> str:
        return self.model._meta.db_table


@dataclass
class DatabaseState:
    """The connection's role and the realm tables of one PostgreSQL database."""

    alias: str
    role: str
    superuser: bool
    bypassrls: bool
    tables: list[TableState] = field(default_factory=list)


_ROLE_SQL = "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
_TABLES_SQL = (
    "SELECT t.name, c.oid IS NOT NULL, coalesce(c.relrowsecurity, false), "
    "coalesce(c.relforcerowsecurity, false), coalesce(pg_has_role(c.relowner, 'USAGE'), "
    "false), (SELECT pg_get_expr(p.polqual, p.polrelid) FROM pg_policy p "
    "WHERE p.polrelid = c.oid AND p.polname = %s) "
    "FROM unnest(%s::text[]) AS t(name) LEFT JOIN pg_class c "
    "ON c.oid = to_regclass(quote_ident(t.name))")


def inspect_database(connection: Any, models: Iterable) -> DatabaseState:
    """Return the role of ``connection`` and the row-level security of each model's table."""
    by_table = {model._meta.db_table: model for model in models}
    with connection.cursor() as cursor:
        cursor.execute(_ROLE_SQL)
        state = DatabaseState(connection.alias, *cursor.fetchone())
        cursor.execute(_TABLES_SQL, [POLICY, list(by_table)])
        for table, *flags in cursor.fetchall():
            state.tables.append(TableState(by_table[table], *flags))
    return state
