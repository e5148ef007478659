"""A Keycloak-shaped OpenID Connect provider for tests and the demo (never for production).

Realms live under ``/realms/<realm>/`` with Keycloak's paths (see "eha_auth" in README.md).
Environment: ``IDP_DATABASE`` (SQLite file), ``IDP_ADMIN_TOKEN`` (guards ``/_admin/``),
``IDP_ACCESS_TOKEN_SECONDS`` (lifetime of access tokens, 300 by default),
``IDP_FRONTEND_URL`` (the browser-facing URL, as Keycloak's ``hostname``: ``iss`` and the
login and logout pages use it, while the token, keys, userinfo and introspection
endpoints answer on whatever URL is called; empty: the URL of each request).
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

DEBUG = False
SECRET_KEY = os.environ.get("IDP_SECRET_KEY", "idp-demo-only-secret-key-0123456789-abcdefghij")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "example.idp.urls"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "example.idp",
]
MIDDLEWARE = [
    "example.idp.realms.RealmMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
}]
DATABASES = {"default": {
    "ENGINE": "example.idp.sqlite",  # concurrent token grants wait their turn
    "NAME": os.environ.get("IDP_DATABASE", str(BASE_DIR / "idp.sqlite3")),
    "OPTIONS": {"timeout": 20},
}}
AUTHENTICATION_BACKENDS = ["example.idp.realms.RealmUserBackend"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # a test provider: speed
# The demo site runs on the same host: keep the provider's cookies apart from it.
SESSION_COOKIE_NAME = "idp_sessionid"
CSRF_COOKIE_NAME = "idp_csrftoken"

IDP_ADMIN_TOKEN = os.environ.get("IDP_ADMIN_TOKEN", "idp-admin")
IDP_FRONTEND_URL = os.environ.get("IDP_FRONTEND_URL", "").rstrip("/")
IDP_ACCESS_TOKEN_SECONDS = int(os.environ.get("IDP_ACCESS_TOKEN_SECONDS", "300"))

OAUTH2_PROVIDER_APPLICATION_MODEL = "idp.Application"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OAUTH2_VALIDATOR_CLASS": "example.idp.validators.RealmValidator",
    "OIDC_SERVER_CLASS": "example.idp.validators.KeycloakServer",
    "ACCESS_TOKEN_GENERATOR": "example.idp.tokens.access_token",
    "REFRESH_TOKEN_GENERATOR": "example.idp.tokens.refresh_token",
    "ACCESS_TOKEN_EXPIRE_SECONDS": IDP_ACCESS_TOKEN_SECONDS,
    "ID_TOKEN_EXPIRE_SECONDS": IDP_ACCESS_TOKEN_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 3600,
    "SCOPES": {"openid": "OpenID", "profile": "Profile", "email": "Email", "roles": "Roles"},
    "DEFAULT_SCOPES": ["openid", "profile", "email"],
    "PKCE_REQUIRED": False,  # checked when the client sends a challenge; public clients must
    # Refresh tokens are single use, as Keycloak's with "Revoke Refresh Token" on; reusing
    # one revokes what the first use bought (see validators.RealmValidator).
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.server": {"handlers": ["console"], "level": "INFO"}},
}
if os.environ.get("IDP_DEBUG"):
    LOGGING["loggers"]["django.request"] = {"handlers": ["console"], "level": "ERROR"}
