"""``python manage.py check_rls [--database ALIAS]``: row-level security on realm tables."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from ...checks import policy_problems, role_problems
from ...conf import app_settings
from ...rls import TableState, inspect_database, realm_models


class Command(BaseCommand):
    help = ("Show PostgreSQL row-level security on each realm model's table and the "
            "connection's role; fail when a realm table's policy is missing or does not "
            "match TENANCY_RLS.")
    requires_system_checks: list = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS,
                            help="The database alias to inspect (default: %(default)s).")

    def handle(self, *args: Any, database: str, **options: Any) -> None:
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError(f"The database {database!r} is {connection.vendor}: "
                               "row-level security needs PostgreSQL.")
        state = inspect_database(connection, realm_models(alias=database))
        on = app_settings.rls_on(database)
        self.stdout.write(
            f"Database {database!r}, role {state.role!r}: superuser "
            f"{_yes(state.superuser)}, bypassrls {_yes(state.bypassrls)}; TENANCY_RLS "
            f"{'on' if on else 'off'}, setting {app_settings.RLS_SETTING!r}.")
        for table in state.tables:
            self.stdout.write(f"  {table.model._meta.label} ({table.table}): {_describe(table)}")
        policies, roles = policy_problems(state, on), role_problems(state, on)
        for problem in policies + roles:
            style = self.style.ERROR if problem in policies else self.style.WARNING
            self.stderr.write(style(f"{problem.id}: {problem.msg}\n    HINT: {problem.hint}"))
        if policies:
            raise CommandError(f"{len(policies)} realm table problem(s): PostgreSQL does "
                               "not limit their rows to the realm as configured.")
        self.stdout.write(self.style.SUCCESS(f"{len(state.tables)} realm table(s) checked."))


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _describe(table: TableState) -> str:
    if not table.exists:
        return "no table (not migrated)"
    if not table.enabled:
        return "row-level security off"
    if table.policy is None:
        return "row-level security on, no eha_realm policy"
    forced = "forced on its owner" if table.forced else "not forced on its owner"
    owner = ", owned by this role" if table.owned else ""
    return f"policy eha_realm, {forced}{owner}"
