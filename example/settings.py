"""Settings of the demo site: the one place that reads environment variables.

The apps are composed by hand, as a project using the suite would: each is
listed in INSTALLED_APPS and MIDDLEWARE, and its URLs included in urls.py.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in ("1", "true", "yes", "on")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "demo-only-secret-key-change-me-in-any-real-deployment")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
APP_NAME = os.environ.get("APP_NAME", "eha-demo")
APP_VERSION = os.environ.get("APP_VERSION", "0.1.0")
APP_REVISION = os.environ.get("APP_REVISION", "dev")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "eha_health",
    "eha_tenancy",
    "eha_auth",
    "eha_apptoken",
    "example.demo",
]

MIDDLEWARE = [
    "eha_health.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example.urls"
WSGI_APPLICATION = "example.wsgi.application"
ASGI_APPLICATION = "example.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],  # the brand on the apps' pages (eha_*/base.html)
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# DATABASE_URL (e.g. postgres://user@host:5432/name) and CONN_MAX_AGE (0 closes the
# connection after each request, as under ASGI) choose the database.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
# DATABASE_POOL=true (with CONN_MAX_AGE=0, on PostgreSQL and Django 5.1+): psycopg's
# connection pool, the way to hold connections under ASGI.
if env_bool("DATABASE_POOL", False):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = True
# REDIS_URL (redis://host:port/db) makes Redis the cache every worker shares.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["REDIS_URL"]}}
# Sessions read from the cache, written through to the database: no query per request.
SESSION_ENGINE = os.environ.get("SESSION_ENGINE", "django.contrib.sessions.backends.cached_db")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"
LOGIN_URL = "admin:login"

HEALTH_SHOW_DETAILS = DEBUG
DEMO_PASSWORD = os.environ.get("EHA_DEMO_PASSWORD", "demo")

# eha_apptoken: the demo's external service (example/extapp, started by `nox -s demo`),
# reachable through the proxy at /ext/<path>. EXTERNAL_APPS and <APP>_URL/_TOKEN from
# the environment win over these defaults.
from eha_apptoken import external_apps_from_env  # noqa: E402

EXTAPP_PORT = os.environ.get("EHA_DEMO_EXTAPP_PORT", "8001")
EXTERNAL_APPS = external_apps_from_env({
    "EXTERNAL_APPS": "demo-ext",
    "DEMO_EXT_URL": f"http://127.0.0.1:{EXTAPP_PORT}/api",
    "DEMO_EXT_TOKEN": os.environ.get("EXTAPP_SERVICE_TOKEN", "demo-service-token"),
    **os.environ,
})

# eha_auth: password login pages, API tokens (/token), CAS when CAS_SERVER_URL is
# set (for example the demo CAS server: python -m tests.harness.serve
# example.cas_server.settings 8002 --migrate), and proxy mockup sessions in DEBUG.
INSTALLED_APPS += ["django_cas_ng"]
AUTHENTICATION_BACKENDS = ["eha_auth.accounts.backends.CachedModelBackend"]
LOGIN_URL = "eha_accounts:login"
LOGIN_REDIRECT_URL = "/"
PROXY_SESSION_REQUIRED = False  # the demo also serves anonymous visitors
if os.environ.get("CAS_SERVER_URL"):
    CAS_SERVER_URL = os.environ["CAS_SERVER_URL"]
    CAS_VERSION = "3"
    CAS_REALM_ATTRIBUTE = "realm"
    CAS_GROUPS_ATTRIBUTE = "groups"
    AUTHENTICATION_BACKENDS += ["eha_auth.cas.backends.CASBackend"]
if DEBUG:
    MIDDLEWARE += ["eha_auth.proxy.middleware.ProxySessionMiddleware"]
    # A fixed key is fine for a local demo only; real keys come from the environment.
    PROXY_SESSION_KEYS = {"demo": os.environ.get(
        "PROXY_SESSION_KEY", "ZGVtby1vbmx5LXByb3h5LXNlc3Npb24ta2V5LTMyYiE")}
    PROXY_MOCKUP_SESSIONS = {"mockup-manager": {
        "email": "manager@example.org", "full_name": "Mockup Manager",
        "roles": {"manager": [{"slug": "acme", "printable_name": "ACME"}],
                  "contributor": [{"slug": "beta", "printable_name": "Beta"}]}}}
    AUTHENTICATION_BACKENDS += ["eha_auth.proxy.backends.ProxySessionBackend"]

# eha_auth: Keycloak login (both modes) and gateway tokens. `nox -s demo` starts a local
# Keycloak-shaped provider (example/idp) and sets KEYCLOAK_SERVER_URL to it.
KEYCLOAK_SERVER_URL = os.environ.get("KEYCLOAK_SERVER_URL") or None
# The URL tokens carry, when the provider's front-end URL is not the one called above.
KEYCLOAK_ISSUER_URL = os.environ.get("KEYCLOAK_ISSUER_URL") or None
KEYCLOAK_CLIENT_ID = os.environ.get("KEYCLOAK_CLIENT_ID", "eha")
KEYCLOAK_CLIENT_SECRET = os.environ.get("KEYCLOAK_CLIENT_SECRET") or None
KEYCLOAK_BEHIND_SCENES = env_bool("KEYCLOAK_BEHIND_SCENES", False)
KEYCLOAK_REALMS = env_list("KEYCLOAK_REALMS", "alpha,beta")
KEYCLOAK_AUTHORIZED_PARTIES = env_list("KEYCLOAK_AUTHORIZED_PARTIES", "eha,eha-public")
if KEYCLOAK_SERVER_URL:
    GATEWAY_SERVICE_ID = os.environ.get("GATEWAY_SERVICE_ID", "demo")
    MIDDLEWARE += [
        "eha_auth.gateway.middleware.GatewayAuthenticationMiddleware",
        "eha_auth.keycloak.middleware.KeycloakSessionMiddleware",
    ]
    AUTHENTICATION_BACKENDS += [
        "eha_auth.keycloak.backends.KeycloakBackend",
        "eha_auth.gateway.backends.GatewayBackend",
    ]
    DEMO_IDP_URL = KEYCLOAK_SERVER_URL.rsplit("/realms", 1)[0]

# eha_auth: social login (social-auth's OpenID Connect backend) against the same local
# provider, one backend per realm; /accounts/login/ shows a button for each.
INSTALLED_APPS += ["social_django"]
SOCIAL_AUTH_PIPELINE = [
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "social_core.pipeline.social_auth.social_user",
    "eha_auth.social.pipeline.set_realm",
    "eha_auth.social.pipeline.map_user",
    "social_core.pipeline.social_auth.associate_user",
    "social_core.pipeline.social_auth.load_extra_data",
]
SOCIAL_AUTH_REQUESTS_TIMEOUT = (3.05, 10)
if KEYCLOAK_SERVER_URL:
    AUTHENTICATION_BACKENDS += ["example.demo.social.IdpAlpha", "example.demo.social.IdpBeta"]
    SOCIAL_AUTH_IDP_ALPHA_OIDC_ENDPOINT = f"{KEYCLOAK_SERVER_URL}/alpha"
    SOCIAL_AUTH_IDP_ALPHA_KEY = KEYCLOAK_CLIENT_ID
    SOCIAL_AUTH_IDP_ALPHA_SECRET = KEYCLOAK_CLIENT_SECRET
    SOCIAL_AUTH_IDP_BETA_OIDC_ENDPOINT = f"{KEYCLOAK_SERVER_URL}/beta"
    SOCIAL_AUTH_IDP_BETA_KEY = KEYCLOAK_CLIENT_ID
    SOCIAL_AUTH_IDP_BETA_SECRET = KEYCLOAK_CLIENT_SECRET

# eha_tenancy: realms. The realm middleware comes last: after every middleware that sets
# request.user (authentication, proxy sessions, gateway tokens).
MULTITENANCY = True
MIDDLEWARE += ["eha_tenancy.middleware.RealmMiddleware"]
