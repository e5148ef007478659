"""Base settings for the test suite.

``EHA_TEST_DB`` chooses the database: ``sqlite`` (default) or ``postgres`` (a
throwaway cluster the run starts, or ``EHA_TEST_PG_URL``; see tests/conftest.py).
Feature projects (tenancy on/off, gateway on/off) are settings modules under
``tests/projects/`` that start from this one, or ``override_settings`` in a test.
"""

import os

SECRET_KEY = "tests-only-secret-key-not-for-production-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
]

MIDDLEWARE = [
    "eha_health.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

STATIC_URL = "/static/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests only

if os.environ.get("EHA_TEST_DB", "sqlite") == "postgres":
    # HOST and PORT are filled in by tests/conftest.py once the server is known.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "eha",
            "USER": "postgres",
            "HOST": "127.0.0.1",
            "PORT": "",
            "OPTIONS": {"connect_timeout": 3},
        }
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}


HEALTH_CACHE_SECONDS = 0
INSTALLED_APPS += ["django_cas_ng"]
INSTALLED_APPS += ["social_django"]
INSTALLED_APPS += ["tests.eha_tenancy.testapp.apps.TenancyTestAppConfig"]  # eha_tenancy tests
