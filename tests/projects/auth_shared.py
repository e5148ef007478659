"""eha_auth workers sharing a redis-server (EHA_REDIS_URL) and a SQLite file (EHA_AUTH_DB).

Served by tests/eha_auth/test_shared_processes.py, several processes at once: what one
process changes, every other refuses within AUTH_MEMO_SECONDS.
"""

import os

SECRET_KEY = "tests-only-auth-shared-secret-key-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
USE_TZ = True
ROOT_URLCONF = "tests.eha_auth.urls_shared"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "eha_auth",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "eha_auth.keycloak.middleware.KeycloakSessionMiddleware",
]
AUTHENTICATION_BACKENDS = ["eha_auth.keycloak.backends.KeycloakBackend",
                           "eha_auth.accounts.backends.CachedModelBackend"]
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ.get("EHA_AUTH_DB", ":memory:"),
                         "OPTIONS": {"timeout": 20}}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                      "LOCATION": os.environ.get("EHA_REDIS_URL", "redis://127.0.0.1:6379")}}
MULTITENANCY = True
KEYCLOAK_SERVER_URL = "http://127.0.0.1:9/auth"
KEYCLOAK_REALMS = ["north"]
KEYCLOAK_CLIENT_ID = "eha"
KEYCLOAK_CLIENT_SECRET = "tests-only-client-secret"
AUTH_MEMO_SECONDS = 1
