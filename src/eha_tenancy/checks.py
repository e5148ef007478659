"""System checks: what can be seen wrong from the settings and models alone."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import FieldDoesNotExist
from django.db import connections

from .conf import app_settings
from .models import MtModelAbstract, MtModelChildAbstract, RealmManager
from .names import is_valid_realm
from .rls import DatabaseState, inspect_database, is_valid_setting_name, realm_models

MIDDLEWARE_PATH = "eha_tenancy.middleware.RealmMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"


def check_settings(app_configs=None, **kwargs) -> list:
    """Report a malformed DEFAULT_REALM, and identity providers without tenancy."""
    errors: list[CheckMessage] = []
    if not is_valid_realm(app_settings.DEFAULT_REALM):
        errors.append(Error(
            f"DEFAULT_REALM {app_settings.DEFAULT_REALM!r} is not a valid realm name.",
            hint="Use 1 to 63 ASCII letters, digits, '.', '_' or '-', such as \"eha\".",
            id="eha_tenancy.E001"))
    providers = [name for name in ("KEYCLOAK_SERVER_URL", "GATEWAY_SERVICE_ID")
                 if getattr(settings, name, None)]
    if providers and not app_settings.MULTITENANCY:
        errors.append(Warning(
            f"{' and '.join(providers)} set but MULTITENANCY is off: every realm's users "
            "see every row.",
            hint="Set MULTITENANCY = True (realms are Keycloak realms).",
            id="eha_tenancy.W002"))
    return errors


def check_middleware(app_configs=None, **kwargs) -> list:
    """Report RealmMiddleware missing, or placed before AuthenticationMiddleware."""
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if MIDDLEWARE_PATH not in middleware:
        if app_settings.MULTITENANCY:
            return [Warning(
                f"MULTITENANCY is on but {MIDDLEWARE_PATH} is not in MIDDLEWARE: requests "
                "have no realm, so realm models raise RealmRequired.",
                hint="Add it to MIDDLEWARE after AuthenticationMiddleware.",
                id="eha_tenancy.W001")]
        return []
    if AUTH_MIDDLEWARE not in middleware or (
            middleware.index(AUTH_MIDDLEWARE) > middleware.index(MIDDLEWARE_PATH)):
        return [Error(
            f"{MIDDLEWARE_PATH} must come after {AUTH_MIDDLEWARE}: it checks that the "
            "signed-in user belongs to the realm.",
            hint="Move it below AuthenticationMiddleware in MIDDLEWARE.",
            id="eha_tenancy.E002")]
    return []


def check_models(app_configs=None, **kwargs) -> list:
    """Report realm models that could leak: unscoped default manager, bad mt_field."""
    errors: list[CheckMessage] = []
    configs = app_configs if app_configs is not None else apps.get_app_configs()
    for model in (model for config in configs for model in config.get_models()):
        if not issubclass(model, MtModelAbstract | MtModelChildAbstract):
            continue
        if not isinstance(model._default_manager, RealmManager):
            errors.append(Error(
                f"The default manager of {model._meta.label} is not a RealmManager: "
                "queries would not be limited to the realm.",
                hint="Subclass eha_tenancy.models.RealmManager for custom managers.",
                obj=model, id="eha_tenancy.E003"))
        if issubclass(model, MtModelChildAbstract):
            errors.extend(_check_mt_field(model))
        elif not any(index.fields and index.fields[0] == "realm"
                     for index in model._meta.indexes):
            errors.append(Warning(
                f"{model._meta.label} has no index starting with realm: every realm "
                "query scans the table.",
                hint="Inherit the Meta: class Meta(MtModelAbstract.Meta).",
                obj=model, id="eha_tenancy.W003"))
    return errors


def _check_mt_field(model) -> list:
    current = model
    try:
        for name in (model.mt_field or "").split("__"):
            field = current._meta.get_field(name)
            if not field.many_to_one and not field.one_to_one:
                raise FieldDoesNotExist(name)
            current = field.related_model
    except FieldDoesNotExist:
        current = None
    if current is None or not issubclass(current, MtModelAbstract):
        return [Error(
            f"{model._meta.label}.mt_field {model.mt_field!r} does not lead through "
            "foreign keys to an MtModelAbstract model.",
            hint='Name the path to the owner, for example mt_field = "survey__project".',
            obj=model, id="eha_tenancy.E004")]
    return []


def check_rls_settings(app_configs=None, **kwargs) -> list:
    """Report TENANCY_RLS settings that cannot work."""
    rls = app_settings.RLS
    if rls is False:
        return []
    errors: list = []
    if not app_settings.MULTITENANCY:
        errors.append(Error(
            "TENANCY_RLS is on but MULTITENANCY is off: no realm is ever active, so "
            "PostgreSQL shows no row of a realm table.",
            hint="Set MULTITENANCY = True, or TENANCY_RLS = False.", id="eha_tenancy.E005"))
    if not is_valid_setting_name(app_settings.RLS_SETTING):
        errors.append(Error(
            f"TENANCY_RLS_SETTING {app_settings.RLS_SETTING!r} cannot name a PostgreSQL "
            "setting.", hint='Use a dotted name of letters, digits and _, such as "eha.realm".',
            id="eha_tenancy.E006"))
    databases = getattr(settings, "DATABASES", {})
    named = list(databases) if rls is True else list(rls)
    for alias in (alias for alias in named if alias not in databases):
        errors.append(Error(
            f"TENANCY_RLS names the database {alias!r}, which is not in DATABASES.",
            hint="List aliases of DATABASES, or set TENANCY_RLS = True for every one.",
            id="eha_tenancy.E007"))
    if not any(connections[alias].vendor == "postgresql" for alias in named
               if alias in databases):
        errors.append(Warning(
            "TENANCY_RLS is on but names no PostgreSQL database: nothing enforces realms "
            "in the database.", hint="Row-level security needs PostgreSQL.",
            id="eha_tenancy.W004"))
    return errors


def check_rls_database(app_configs=None, databases=None, **kwargs) -> list:
    """Report realm tables without their policy, and roles that ignore policies.

    Runs with ``check --database <alias>`` and before ``migrate``, on PostgreSQL.
    Warnings, not errors: an error would stop the ``migrate`` that adds the policies.
    """
    messages = []
    for alias in databases or ():
        connection = connections[alias]
        models = realm_models(app_configs, alias)
        if connection.vendor != "postgresql" or not models:
            continue
        state = inspect_database(connection, models)
        rls_on = app_settings.rls_on(alias)
        messages += policy_problems(state, rls_on) + role_problems(state, rls_on)
    return messages


def policy_problems(state: DatabaseState, rls_on: bool) -> list:
    """Return the realm tables whose policies do not match TENANCY_RLS in ``state``."""
    if not rls_on:
        return _rls_off_problems(state)
    messages = []
    name = f"'{app_settings.RLS_SETTING}'"
    for table in (table for table in state.tables if table.exists):
        label = table.model._meta.label
        if not table.enabled or table.policy is None:
            messages.append(Warning(
                f"{label} ({table.table}) has no realm policy: PostgreSQL does not limit "
                "its rows to the realm.",
                hint=f'Add eha_tenancy.operations.EnableRealmRLS("{table.model.__name__}") '
                     "to a migration of its app (mt_field=... for child models), then migrate.",
                obj=table.model, id="eha_tenancy.W008"))
        elif name not in table.policy:
            messages.append(Warning(
                f"The realm policy of {label} ({table.table}) reads another setting than "
                f"TENANCY_RLS_SETTING {name}: it shows no row.",
                hint="Run EnableRealmRLS again in a new migration after changing the setting.",
                obj=table.model, id="eha_tenancy.W009"))
    return messages


def _rls_off_problems(state: DatabaseState) -> list:
    guarded = [table.table for table in state.tables
               if table.enabled and (table.forced or not table.owned)]
    if not guarded or state.superuser or state.bypassrls:
        return []
    return [Warning(
        f"Row-level security is on for {', '.join(guarded)} but TENANCY_RLS is off for "
        f"the database {state.alias!r}: the role {state.role!r} sees none of their rows.",
        hint="Set TENANCY_RLS = True (or list this database in it).", id="eha_tenancy.W010")]


def role_problems(state: DatabaseState, rls_on: bool) -> list:
    """Return a warning when the connection's role ignores the policies in ``state``."""
    role, alias = state.role, state.alias
    if not rls_on:
        return []
    if state.superuser or state.bypassrls:
        what = "a superuser" if state.superuser else "a role with BYPASSRLS"
        return [Warning(
            f"The database {alias!r} connects as {role!r}, {what}: PostgreSQL ignores "
            "row-level security for it, so every realm's rows are visible to raw SQL.",
            hint="Connect the application as a role with NOSUPERUSER NOBYPASSRLS; keep "
                 "this one for migrations and cross-realm commands.",
            id="eha_tenancy.W005" if state.superuser else "eha_tenancy.W006")]
    owned = [table.table for table in state.tables
             if table.exists and table.enabled and table.owned and not table.forced]
    if owned:
        return [Warning(
            f"The database {alias!r} connects as {role!r}, the owner of {', '.join(owned)}: "
            "PostgreSQL does not apply a table's policies to its owner.",
            hint="Connect as a role that does not own the tables, or set "
                 "TENANCY_RLS_FORCE = True and run EnableRealmRLS again.",
            id="eha_tenancy.W007")]
    return []
