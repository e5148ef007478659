"""The active realm reaches PostgreSQL, for the row-level security policies of rls.py.

With ``TENANCY_RLS`` on, every statement on a PostgreSQL connection runs with
``set_config(TENANCY_RLS_SETTING, <active realm>, true)`` in effect: the realm's
name, or '' (no row) with no realm active and inside ``unscoped()``.

``true`` (is_local) keeps the value inside the current transaction: PostgreSQL
forgets it at COMMIT or ROLLBACK. So a persistent connection (CONN_MAX_AGE)
never carries one request's realm into the next, and PgBouncer in transaction
mode, which hands each transaction to any server connection, never hands a
realm to another client. A session-level value (``SET``, ``set_config(...,
false)``) would do both; none is ever set here, and one set by anything else
never applies: the value is set on every transaction, '' included.

The value goes in front of the statement, in the same query string, as
``SET LOCAL name = 'realm'`` (the statement form of ``set_config(..., true)``):
no extra round trip.

- Inside a transaction (``atomic()``), before its first statement, and again
  whenever the active realm changes or a savepoint is rolled back (which
  restores an older value).
- Outside one (autocommit), each statement is its own transaction, so before
  each statement: PostgreSQL runs the two statements of one query string as
  one transaction. Only statements that read or write rows get it: VACUUM,
  CREATE INDEX CONCURRENTLY and the like cannot run in a transaction block.

Server-side binding (OPTIONS ``server_side_binding``), psycopg 2, server-side
cursors (``iterator()``) and ``executemany`` cannot take two statements in one
string: they get a separate ``set_config`` first, in autocommit inside a
transaction of their own (three more round trips).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from .conf import app_settings
from .rls import is_valid_setting_name
from .state import get_active_realm

try:
    from psycopg import ClientCursor
except ImportError:  # psycopg 2 or no driver: statements take the general path
    ClientCursor = None  # type: ignore[assignment,misc]  # the driver is optional

# libpq's PQtransactionStatus, the same values in psycopg 2 and 3.
_IDLE, _INERROR = 0, 3
_UNKNOWN = object()  # what the open transaction holds is not known: set it
# Statements that touch rows and may run inside a transaction block.
_TOUCHES_ROWS = re.compile(
    r"\s*(?:/\*.*?\*/\s*)*(?:SELECT|INSERT|UPDATE|DELETE|WITH|MERGE|VALUES|TABLE|EXPLAIN)\b",
    re.IGNORECASE | re.DOTALL)
_SAVEPOINT = re.compile(r"\s*(?:SAVEPOINT|RELEASE|ROLLBACK)\b", re.IGNORECASE)


class RealmSetting:
    """An execute wrapper that runs each statement with the active realm in the setting.

    One per connection; it remembers what the open transaction holds.
    """

    def __init__(self) -> None:
        self.in_transaction: Any = _UNKNOWN

    def __call__(self, execute: Callable, sql: Any, params: Any, many: bool,
                 context: dict) -> Any:
        connection = context["connection"]
        if not app_settings.rls_on(connection.alias):
            return execute(sql, params, many, context)
        status = connection.connection.info.transaction_status
        if status == _INERROR:  # the statement fails anyway; so would set_config
            return execute(sql, params, many, context)
        value = get_active_realm() or ""
        if connection.connection.autocommit:
            if isinstance(sql, str) and not _TOUCHES_ROWS.match(sql):
                return execute(sql, params, many, context)
            return self.run_alone(execute, sql, params, many, context, value)
        if status == _IDLE:  # this statement opens the transaction
            self.in_transaction = _UNKNOWN
        if isinstance(sql, str) and _SAVEPOINT.match(sql):
            if sql.lstrip()[:8].upper() == "ROLLBACK":
                self.in_transaction = _UNKNOWN
            return execute(sql, params, many, context)
        if self.in_transaction == value:
            return execute(sql, params, many, context)
        result = run_with(value, execute, sql, params, many, context)
        self.in_transaction = value
        return result

    def run_alone(self, execute: Callable, sql: Any, params: Any, many: bool, context: dict,
                  value: str) -> Any:
        """Run a statement outside a transaction with ``value`` set for it alone."""
        if _can_prefix(sql, many, context):
            return run_with(value, execute, sql, params, many, context)
        # This very connection, which may not be connections[alias]: no atomic(using=).
        connection = context["connection"]
        connection.set_autocommit(False)
        try:
            result = run_with(value, execute, sql, params, many, context)
        except BaseException:
            connection.rollback()
            raise
        else:
            connection.commit()
        finally:
            connection.set_autocommit(True)
        return result


def run_with(value: str, execute: Callable, sql: Any, params: Any, many: bool,
             context: dict) -> Any:
    """Run the statement with ``value`` set in its transaction."""
    name = app_settings.cached("RLS_SETTING")
    if not _can_prefix(sql, many, context):
        _set_config(context["connection"], name, value)
        return execute(sql, params, many, context)
    result = execute(_prefix(name, value, params is not None) + sql, params, many, context)
    context["cursor"].cursor.nextset()  # the caller reads the statement's result
    return result


def _can_prefix(sql: Any, many: bool, context: dict) -> bool:
    return (ClientCursor is not None and not many and isinstance(sql, str)
            and isinstance(context["cursor"].cursor, ClientCursor))


@functools.lru_cache(maxsize=1024)
def _prefix(name: str, value: str, has_params: bool) -> str:
    if not is_valid_setting_name(name):  # it goes into the SQL as it is
        raise ImproperlyConfigured(
            f"TENANCY_RLS_SETTING {name!r} cannot name a PostgreSQL setting: use a "
            'dotted name of letters, digits and _, such as "eha.realm".')
    literal = "'" + str(value).replace("'", "''") + "'"
    if has_params:  # the driver reads %s in the whole string
        literal = literal.replace("%", "%%")
    # SET LOCAL: set_config(name, value, true) as a statement, cheaper (no plan, no row).
    return f"SET LOCAL {name} = {literal}; "


def _set_config(connection: Any, name: str, value: str) -> None:
    # A plain cursor of its own: the statement's cursor may be a server-side one.
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


# Installation.

def install(connection: Any) -> None:
    """Give a PostgreSQL connection its RealmSetting wrapper, once."""
    if connection.vendor != "postgresql":
        return
    for wrapper in connection.execute_wrappers:
        if isinstance(wrapper, RealmSetting):
            wrapper.in_transaction = _UNKNOWN
            return
    # First in the list: the outermost wrapper, out of reach of the pop() that ends
    # connection.execute_wrapper() blocks.
    connection.execute_wrappers.insert(0, RealmSetting())


def connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver: install the wrapper where TENANCY_RLS asks for it."""
    if app_settings.rls_on(connection.alias):
        install(connection)


def setting_changed(setting: str, **kwargs: Any) -> None:
    """setting_changed receiver: install the wrapper on this thread's open connections."""
    if setting == "TENANCY_RLS":
        for connection in connections.all(initialized_only=True):
            if app_settings.rls_on(connection.alias, cached=False):
                install(connection)
