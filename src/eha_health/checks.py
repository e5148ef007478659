"""System checks: what can be seen wrong from the settings alone."""

from __future__ import annotations

from numbers import Real

from django.conf import settings
from django.core.checks import Error, Warning
from django.urls import NoReverseMatch, reverse

from .conf import app_settings
from .probes import load_check

MIDDLEWARE_PATH = "eha_health.middleware.HealthCheckMiddleware"


def check_settings(app_configs=None, **kwargs) -> list:
    """Report malformed or unimportable health settings."""
    errors = []
    paths = app_settings.CHECKS
    if not isinstance(paths, list | tuple) or not all(isinstance(p, str) for p in paths):
        return [Error("HEALTH_CHECKS must be a list of dotted paths.",
                      hint='For example ["eha_health.probes.database"].',
                      id="eha_health.E002")]
    for path in paths:
        try:
            load_check(path)
        except Exception as exc:
            errors.append(Error(
                f"HEALTH_CHECKS entry {path!r} cannot be imported ({type(exc).__name__}).",
                hint="Fix the dotted path or remove it from HEALTH_CHECKS.",
                id="eha_health.E001"))
    for name, value in (("HEALTH_CHECK_TIMEOUT", app_settings.TIMEOUT),
                        ("HEALTH_CACHE_SECONDS", app_settings.CACHE_SECONDS)):
        if not isinstance(value, Real) or isinstance(value, bool) or value < 0 or (
                name == "HEALTH_CHECK_TIMEOUT" and value == 0):
            errors.append(Error(f"{name} must be a positive number of seconds, not {value!r}.",
                                id="eha_health.E003"))
    return errors


def check_middleware(app_configs=None, **kwargs) -> list:
    """Warn when the health middleware is not first in MIDDLEWARE."""
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if MIDDLEWARE_PATH in middleware and middleware[0] != MIDDLEWARE_PATH:
        return [Warning(
            f"{MIDDLEWARE_PATH} is not first in MIDDLEWARE: middleware before it "
            "(host validation, sessions) runs for every health probe.",
            hint="Move it to the top of MIDDLEWARE.", id="eha_health.W001")]
    return []


def check_urls(app_configs=None, **kwargs) -> list:
    """Warn when eha_health.urls is not included in the URLconf."""
    try:
        reverse("eha_health:health")
    except NoReverseMatch:
        return [Warning(
            "eha_health.urls is not included in the URLconf: health paths are "
            "answered only by the middleware, and requests with credentials get 404.",
            hint='Add path("", include("eha_health.urls")) to your urlpatterns.',
            id="eha_health.W002")]
    return []
