"""eha_apptoken on its own: no other eha_* app installed, EXTERNAL_APPS from the environment.

Served by tests/eha_apptoken/test_alone.py; users sign in by the X-Test-User header.
"""

import os

from eha_apptoken import external_apps_from_env

SECRET_KEY = "tests-only-apptoken-alone-secret-key-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
USE_TZ = True
ROOT_URLCONF = "tests.eha_apptoken.urls_alone"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "eha_apptoken",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tests.eha_apptoken.urls_alone.TestUserHeader",
]
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.RemoteUserBackend"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ.get("EHA_ALONE_DB", ":memory:")}}
if os.environ.get("EHA_ALONE_PG_NAME"):  # a PostgreSQL database shared by several processes
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql", "NAME": os.environ["EHA_ALONE_PG_NAME"],
        "HOST": os.environ["EHA_ALONE_PG_HOST"], "PORT": os.environ["EHA_ALONE_PG_PORT"],
        "USER": os.environ["EHA_ALONE_PG_USER"],
        "PASSWORD": os.environ.get("EHA_ALONE_PG_PASSWORD", ""),
    }
EXTERNAL_APPS = external_apps_from_env(os.environ)
