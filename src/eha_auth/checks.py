"""System checks: what can be seen wrong from the settings alone."""

from __future__ import annotations

from numbers import Real

from django.conf import settings
from django.core.checks import Error, Warning
from django.utils.module_loading import import_string

from .conf import app_settings

AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
GATEWAY_MIDDLEWARE = "eha_auth.middleware.GatewayAuthenticationMiddleware"
SESSION_MIDDLEWARE = "eha_auth.middleware.KeycloakSessionMiddleware"
KEYCLOAK_BACKEND = "eha_auth.backends.keycloak.KeycloakBackend"
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
    errors += _check_dotted_paths() + _check_numbers()
    return errors


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
    return isinstance(value, Real) and not isinstance(value, bool) and value > 0


def _check_numbers() -> list:
    errors = []
    timeout = app_settings.KEYCLOAK_TIMEOUT
    if len(timeout) != 2 or not all(_positive(part) for part in timeout):
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
