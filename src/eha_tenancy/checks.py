"""System checks: what can be seen wrong from the settings and models alone."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Warning
from django.core.exceptions import FieldDoesNotExist

from .conf import app_settings
from .realms import is_valid_realm

MIDDLEWARE_PATH = "eha_tenancy.middleware.RealmMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"


def check_settings(app_configs=None, **kwargs) -> list:
    """Report a malformed DEFAULT_REALM, and identity providers without tenancy."""
    errors = []
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
    from .models import MtModelAbstract, MtModelChildAbstract, RealmManager

    errors = []
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
    from .models import MtModelAbstract

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
