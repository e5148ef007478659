"""System checks: what can be seen wrong from the settings alone."""

from __future__ import annotations

import re
from numbers import Real

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .conf import app_settings
from .proxy.crypto import KEY_ID, key_bytes
from .social.methods import social_backends

AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
GATEWAY_MIDDLEWARE = "eha_auth.gateway.middleware.GatewayAuthenticationMiddleware"
SESSION_MIDDLEWARE = "eha_auth.keycloak.middleware.KeycloakSessionMiddleware"
KEYCLOAK_BACKEND = "eha_auth.keycloak.backends.KeycloakBackend"
SAFE_ALGORITHMS = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                   "ES256", "ES384", "ES512"}


def _oidc_on() -> bool:
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    return bool(app_settings.KEYCLOAK_SERVER_URL or GATEWAY_MIDDLEWARE in middleware)


def check_keycloak_settings(app_configs=None, **kwargs) -> list:
    """Report Keycloak and gateway settings that cannot work."""
    if not _oidc_on():
        return []
    errors = []
    url = app_settings.KEYCLOAK_SERVER_URL
    if not url or not url.startswith(("http://", "https://")) or not url.endswith("/realms"):
        errors.append(Error(
            f"KEYCLOAK_SERVER_URL must be the provider's URL up to /realms, not {url!r}.",
            hint='For example "https://id.example.org/auth/realms".', id="eha_auth.E001"))
    if not app_settings.KEYCLOAK_REALMS and not app_settings.KEYCLOAK_REALM_RESOLVER:
        errors.append(Error(
            "No realm is allowed: set KEYCLOAK_REALMS or KEYCLOAK_REALM_RESOLVER.",
            hint='For example KEYCLOAK_REALMS = ["alpha", "beta"].', id="eha_auth.E002"))
    algorithms = app_settings.KEYCLOAK_ALGORITHMS
    if not algorithms or not set(algorithms) <= SAFE_ALGORITHMS:
        errors.append(Error(
            f"KEYCLOAK_ALGORITHMS may hold only {sorted(SAFE_ALGORITHMS)}, not {algorithms!r}.",
            hint="Never none nor HMAC: tokens are verified with public keys.",
            id="eha_auth.E003"))
    errors += _check_dotted_paths() + _check_numbers() + _check_token_urls()
    return errors


def _check_token_urls() -> list:
    messages: list[CheckMessage] = []
    url = getattr(settings, "KEYCLOAK_ISSUER_URL", None)
    if url and (not isinstance(url, str) or not url.startswith(("http://", "https://"))
                or not url.rstrip("/").endswith("/realms")):
        messages.append(Warning(
            f"KEYCLOAK_ISSUER_URL must be the URL tokens carry up to /realms, not {url!r}: "
            "no token's issuer can match it.",
            hint='Keycloak\'s front-end URL (its hostname), e.g. "https://id.example.org/realms"; '
                 "`manage.py eha_auth_keycloak` shows the issuer the provider announces.",
            id="eha_auth.W003"))
    if (app_settings.KEYCLOAK_INTROSPECT_LIGHTWEIGHT_TOKENS
            and not app_settings.KEYCLOAK_CLIENT_SECRET):
        messages.append(Error(
            "KEYCLOAK_INTROSPECT_LIGHTWEIGHT_TOKENS needs KEYCLOAK_CLIENT_SECRET: only a "
            "confidential client may call the introspection endpoint.",
            id="eha_auth.E009"))
    return messages


def _check_dotted_paths() -> list:
    errors = []
    for name in ("KEYCLOAK_REALM_RESOLVER", "KEYCLOAK_USER_MAPPER"):
        value = getattr(app_settings, name)
        if not value:
            continue
        try:
            import_string(value)
        except ImportError:
            errors.append(Error(f"{name} {value!r} cannot be imported.",
                                hint="Fix the dotted path.", id="eha_auth.E004"))
    return errors


def _positive(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and float(value) > 0


def _check_numbers() -> list:
    errors = []
    timeout = app_settings.KEYCLOAK_TIMEOUT
    if (not isinstance(timeout, tuple) or len(timeout) != 2
            or not all(_positive(part) for part in timeout)):
        errors.append(Error(f"KEYCLOAK_TIMEOUT must be (connect, read) seconds, not {timeout!r}.",
                            id="eha_auth.E005"))
    for name in ("KEYCLOAK_JWKS_CACHE_SECONDS", "KEYCLOAK_JWKS_MAX_AGE",
                 "KEYCLOAK_TOKEN_CACHE_SECONDS", "KEYCLOAK_USER_CACHE_SECONDS",
                 "KEYCLOAK_LEEWAY", "KEYCLOAK_REFRESH_AHEAD_SECONDS",
                 "KEYCLOAK_JWKS_REFETCH_SECONDS"):
        value = getattr(app_settings, name)
        if not (_positive(value) or value == 0):
            errors.append(Error(f"{name} must be a number of seconds, not {value!r}.",
                                id="eha_auth.E005"))
    return errors


def check_middleware(app_configs=None, **kwargs) -> list:
    """Report eha_auth middleware placed before AuthenticationMiddleware, or without a gateway."""
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    errors = []
    for name in (GATEWAY_MIDDLEWARE, SESSION_MIDDLEWARE):
        if name in middleware and (AUTH_MIDDLEWARE not in middleware
                                   or middleware.index(name) < middleware.index(AUTH_MIDDLEWARE)):
            errors.append(Error(f"{name} must come after {AUTH_MIDDLEWARE} in MIDDLEWARE.",
                                id="eha_auth.E006"))
    if GATEWAY_MIDDLEWARE in middleware and not app_settings.GATEWAY_SERVICE_ID:
        errors.append(Error(f"{GATEWAY_MIDDLEWARE} needs GATEWAY_SERVICE_ID.",
                            hint="Set it to the service's name in gateway paths "
                                 "/<realm>/<GATEWAY_SERVICE_ID>/.", id="eha_auth.E007"))
    return errors


def check_login_setup(app_configs=None, **kwargs) -> list:
    """Warn when Keycloak login cannot keep its tokens server side or has no backend."""
    if not app_settings.KEYCLOAK_SERVER_URL:
        return []
    warnings = []
    if KEYCLOAK_BACKEND not in getattr(settings, "AUTHENTICATION_BACKENDS", []):
        warnings.append(Warning(
            f"KEYCLOAK_SERVER_URL is set but {KEYCLOAK_BACKEND} is not in "
            "AUTHENTICATION_BACKENDS: Keycloak login cannot succeed.",
            hint="Add it to AUTHENTICATION_BACKENDS, or ignore this if only gateway "
                 "tokens are used.", id="eha_auth.W001"))
    if getattr(settings, "SESSION_ENGINE", "").endswith(".signed_cookies"):
        warnings.append(Warning(
            "Keycloak login keeps the provider's tokens in the session, and signed-cookie "
            "sessions would send them to the browser.",
            hint="Use database, cache or cached_db sessions.", id="eha_auth.W002"))
    return warnings


# Proxy sessions and CAS (ids 1xx, apart from the other checks of this app).

PROXY_MIDDLEWARE = "eha_auth.proxy.middleware.ProxySessionMiddleware"
PROXY_BACKEND = "eha_auth.proxy.backends.ProxySessionBackend"
CAS_BACKEND = "eha_auth.cas.backends.CASBackend"
CACHED_BACKEND = "eha_auth.accounts.backends.CachedModelBackend"


def check_proxy_keys(app_configs=None, **kwargs) -> list:
    """Report malformed proxy session keys (naming key ids, never keys)."""
    keys = app_settings.PROXY_SESSION_KEYS
    used = PROXY_MIDDLEWARE in _middleware() or PROXY_BACKEND in _backends()
    if not isinstance(keys, dict):
        return [Error("PROXY_SESSION_KEYS must be a dict of key id -> key.",
                              id="eha_auth.E101")]
    errors = []
    for key_id, key in keys.items():
        try:
            if not isinstance(key_id, str) or not KEY_ID.fullmatch(key_id):
                raise ImproperlyConfigured(
                    f"PROXY_SESSION_KEYS key id {key_id!r} must be 1-64 letters, digits, - or _.")
            key_bytes(key_id, key)
        except ImproperlyConfigured as exc:
            errors.append(Error(str(exc), id="eha_auth.E101"))
    write_id = app_settings.PROXY_SESSION_WRITE_KEY_ID
    if keys and write_id not in keys:
        errors.append(Error(
            f"PROXY_SESSION_WRITE_KEY_ID {write_id!r} is not a key id of PROXY_SESSION_KEYS.",
            id="eha_auth.E102"))
    if used and not keys and not app_settings.PROXY_SESSION_LEGACY_KEY:
        errors.append(Error(
            "Proxy sessions are enabled but PROXY_SESSION_KEYS is empty: nobody can sign in.",
            hint="Add a key: `manage.py eha_proxy_session newkey`.", id="eha_auth.E105"))
    return errors


def check_proxy_options(app_configs=None, **kwargs) -> list:
    """Report legacy reading, mockups outside DEBUG, bad allow-lists and middleware order."""
    messages: list[CheckMessage] = []
    if app_settings.PROXY_SESSION_LEGACY_KEY:
        messages.append(Warning(
            "PROXY_SESSION_LEGACY_KEY is set: legacy deployutils sessions (AES-CBC without "
            "integrity check, no expiry) are accepted.",
            hint="Use it only while the upstream proxy migrates; then remove the setting.",
            id="eha_auth.W101"))
    if app_settings.PROXY_MOCKUP_SESSIONS and not settings.DEBUG:
        messages.append(Error(
            "PROXY_MOCKUP_SESSIONS is set while DEBUG is off: anyone could sign in as a "
            "mockup user.", hint="Remove PROXY_MOCKUP_SESSIONS outside local development.",
            id="eha_auth.E103"))
    messages += _check_allowed_paths()
    field = app_settings.PROXY_SESSION_REALM_FIELD
    if field is not None and (not isinstance(field, str) or not field.strip()):
        messages.append(Error(
            f"PROXY_SESSION_REALM_FIELD must name a field of the session payload, or be None; "
            f"got {field!r}.", id="eha_auth.E107"))
    middleware = _middleware()
    if PROXY_MIDDLEWARE in middleware and (
            AUTH_MIDDLEWARE not in middleware
            or middleware.index(AUTH_MIDDLEWARE) > middleware.index(PROXY_MIDDLEWARE)):
        messages.append(Error(
            f"{PROXY_MIDDLEWARE} must come after {AUTH_MIDDLEWARE} in MIDDLEWARE.",
            id="eha_auth.E104"))
    return messages


def _check_allowed_paths() -> list:
    allowed = app_settings.PROXY_SESSION_ALLOWED_PATHS
    if not isinstance(allowed, list | tuple) or not all(isinstance(p, str) for p in allowed):
        return [Error("PROXY_SESSION_ALLOWED_PATHS must be a list of strings.",
                              id="eha_auth.E106")]
    errors = []
    for entry in allowed:
        if entry.startswith("^"):
            try:
                re.compile(entry)
            except re.error:
                errors.append(Error(
                    f"PROXY_SESSION_ALLOWED_PATHS entry {entry!r} is not a regular expression.",
                    id="eha_auth.E106"))
        elif not entry.startswith("/"):
            errors.append(Error(
                f"PROXY_SESSION_ALLOWED_PATHS entry {entry!r} is neither a path starting with "
                "/ nor a pattern starting with ^.", id="eha_auth.E106"))
    return errors


def check_cas(app_configs=None, **kwargs) -> list:
    """Refuse CAS together with Keycloak login; require the CAS settings."""
    if CAS_BACKEND not in _backends():
        return []
    errors = []
    if app_settings.KEYCLOAK_SERVER_URL:
        errors.append(Error(
            "CAS login cannot be on together with Keycloak login (KEYCLOAK_SERVER_URL is set).",
            hint=f"Remove {CAS_BACKEND} from AUTHENTICATION_BACKENDS or unset "
                 "KEYCLOAK_SERVER_URL.", id="eha_auth.E121"))
    if not app_settings.CAS_SERVER_URL:
        errors.append(Error(f"{CAS_BACKEND} is enabled but CAS_SERVER_URL is not set.",
                                    id="eha_auth.E122"))
    if "django_cas_ng" not in settings.INSTALLED_APPS:
        errors.append(Error(
            f"{CAS_BACKEND} needs 'django_cas_ng' in INSTALLED_APPS (its ticket tables).",
            id="eha_auth.E123"))
    return errors


def _middleware() -> list[str]:
    return list(getattr(settings, "MIDDLEWARE", None) or [])


def _backends() -> list[str]:
    return list(getattr(settings, "AUTHENTICATION_BACKENDS", None) or [])


SOCIAL_STEPS = ("eha_auth.social.pipeline.set_realm", "eha_auth.social.pipeline.map_user")


def check_social(app_configs=None, **kwargs) -> list:
    """Social login needs social_django installed and the realm steps in its pipeline."""
    if not social_backends(tuple(_backends())):
        return []
    errors: list[CheckMessage] = []
    if "social_django" not in settings.INSTALLED_APPS:
        errors.append(Error(
            "A social-auth backend is enabled but 'social_django' is not in INSTALLED_APPS.",
            hint="Add it (its tables hold the links to provider accounts).",
            id="eha_auth.E131"))
    pipeline = list(getattr(settings, "SOCIAL_AUTH_PIPELINE", None) or [])
    missing = [step for step in SOCIAL_STEPS if step not in pipeline]
    if missing:
        errors.append(Warning(
            f"SOCIAL_AUTH_PIPELINE lacks {', '.join(missing)}: social logins would not be "
            "put in a realm nor get realm-prefixed usernames.",
            hint='See "Social login" in the README for the pipeline to use.',
            id="eha_auth.W131"))
    return errors


def check_session_user_cache(app_configs=None, **kwargs) -> list:
    """Report a malformed SESSION_USER_CACHE_SECONDS when CachedModelBackend is used."""
    value = app_settings.SESSION_USER_CACHE_SECONDS
    if CACHED_BACKEND not in _backends() or _positive(value) or value == 0:
        return []
    return [Error(f"SESSION_USER_CACHE_SECONDS must be a number of seconds, not {value!r}.",
                  id="eha_auth.E008")]


def check_memo_seconds(app_configs=None, **kwargs) -> list:
    """Refuse an AUTH_MEMO_SECONDS that is not a number from 0 to 1 (the invalidation bound)."""
    value = app_settings.AUTH_MEMO_SECONDS
    if (_positive(value) or value == 0) and float(value) <= 1:
        return []
    return [Error(f"AUTH_MEMO_SECONDS must be a number of seconds from 0 to 1, not {value!r}: "
                  "a worker may serve a changed user that long.", id="eha_auth.E010")]
