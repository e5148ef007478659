"""System checks: what can be seen wrong from the settings alone."""

from __future__ import annotations

import re

from django.conf import settings
from django.core import checks as _checks
from django.core.exceptions import ImproperlyConfigured

from .conf import more_settings

# Proxy sessions and CAS (ids 1xx, apart from the other checks of this app).

PROXY_MIDDLEWARE = "eha_auth.proxy.middleware.ProxySessionMiddleware"
PROXY_BACKEND = "eha_auth.proxy.backends.ProxySessionBackend"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
CAS_BACKEND = "eha_auth.cas.backends.CASBackend"


def check_proxy_keys(app_configs=None, **kwargs) -> list:
    """Report malformed proxy session keys (naming key ids, never keys)."""
    from .proxy.crypto import _KEY_ID, key_bytes

    keys = more_settings.PROXY_SESSION_KEYS
    used = PROXY_MIDDLEWARE in _middleware() or PROXY_BACKEND in _backends()
    if not isinstance(keys, dict):
        return [_checks.Error("PROXY_SESSION_KEYS must be a dict of key id -> key.",
                              id="eha_auth.E101")]
    errors = []
    for key_id, key in keys.items():
        try:
            if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
                raise ImproperlyConfigured(
                    f"PROXY_SESSION_KEYS key id {key_id!r} must be 1-64 letters, digits, - or _.")
            key_bytes(key_id, key)
        except ImproperlyConfigured as exc:
            errors.append(_checks.Error(str(exc), id="eha_auth.E101"))
    write_id = more_settings.PROXY_SESSION_WRITE_KEY_ID
    if keys and write_id not in keys:
        errors.append(_checks.Error(
            f"PROXY_SESSION_WRITE_KEY_ID {write_id!r} is not a key id of PROXY_SESSION_KEYS.",
            id="eha_auth.E102"))
    if used and not keys and not more_settings.PROXY_SESSION_LEGACY_KEY:
        errors.append(_checks.Error(
            "Proxy sessions are enabled but PROXY_SESSION_KEYS is empty: nobody can sign in.",
            hint="Add a key: `manage.py eha_proxy_session newkey`.", id="eha_auth.E105"))
    return errors


def check_proxy_options(app_configs=None, **kwargs) -> list:
    """Report legacy reading, mockups outside DEBUG, bad allow-lists and middleware order."""
    messages = []
    if more_settings.PROXY_SESSION_LEGACY_KEY:
        messages.append(_checks.Warning(
            "PROXY_SESSION_LEGACY_KEY is set: legacy deployutils sessions (AES-CBC without "
            "integrity check, no expiry) are accepted.",
            hint="Use it only while the upstream proxy migrates; then remove the setting.",
            id="eha_auth.W101"))
    if more_settings.PROXY_MOCKUP_SESSIONS and not settings.DEBUG:
        messages.append(_checks.Error(
            "PROXY_MOCKUP_SESSIONS is set while DEBUG is off: anyone could sign in as a "
            "mockup user.", hint="Remove PROXY_MOCKUP_SESSIONS outside local development.",
            id="eha_auth.E103"))
    messages += _check_allowed_paths()
    middleware = _middleware()
    if PROXY_MIDDLEWARE in middleware and (
            AUTH_MIDDLEWARE not in middleware
            or middleware.index(AUTH_MIDDLEWARE) > middleware.index(PROXY_MIDDLEWARE)):
        messages.append(_checks.Error(
            f"{PROXY_MIDDLEWARE} must come after {AUTH_MIDDLEWARE} in MIDDLEWARE.",
            id="eha_auth.E104"))
    return messages


def _check_allowed_paths() -> list:
    allowed = more_settings.PROXY_SESSION_ALLOWED_PATHS
    if not isinstance(allowed, list | tuple) or not all(isinstance(p, str) for p in allowed):
        return [_checks.Error("PROXY_SESSION_ALLOWED_PATHS must be a list of strings.",
                              id="eha_auth.E106")]
    errors = []
    for entry in allowed:
        if entry.startswith("^"):
            try:
                re.compile(entry)
            except re.error:
                errors.append(_checks.Error(
                    f"PROXY_SESSION_ALLOWED_PATHS entry {entry!r} is not a regular expression.",
                    id="eha_auth.E106"))
        elif not entry.startswith("/"):
            errors.append(_checks.Error(
                f"PROXY_SESSION_ALLOWED_PATHS entry {entry!r} is neither a path starting with "
                "/ nor a pattern starting with ^.", id="eha_auth.E106"))
    return errors


def check_cas(app_configs=None, **kwargs) -> list:
    """Refuse CAS together with Keycloak login; require the CAS settings."""
    if CAS_BACKEND not in _backends():
        return []
    errors = []
    if more_settings.KEYCLOAK_SERVER_URL:
        errors.append(_checks.Error(
            "CAS login cannot be on together with Keycloak login (KEYCLOAK_SERVER_URL is set).",
            hint=f"Remove {CAS_BACKEND} from AUTHENTICATION_BACKENDS or unset "
                 "KEYCLOAK_SERVER_URL.", id="eha_auth.E121"))
    if not more_settings.CAS_SERVER_URL:
        errors.append(_checks.Error(f"{CAS_BACKEND} is enabled but CAS_SERVER_URL is not set.",
                                    id="eha_auth.E122"))
    if "django_cas_ng" not in settings.INSTALLED_APPS:
        errors.append(_checks.Error(
            f"{CAS_BACKEND} needs 'django_cas_ng' in INSTALLED_APPS (its ticket tables).",
            id="eha_auth.E123"))
    return errors


def _middleware() -> list[str]:
    return list(getattr(settings, "MIDDLEWARE", None) or [])


def _backends() -> list[str]:
    return list(getattr(settings, "AUTHENTICATION_BACKENDS", None) or [])
