"""A small CAS server (django-mama-cas) for the demo site and the tests.

    python -m tests.harness.serve example.cas_server.settings 8001 --migrate

Its users (a data migration): ``casuser`` / ``cas-password`` in realm ``alpha``
and group ``analysts``. Services on 127.0.0.1 or localhost may use it, and
receive single logout requests. Not for production: fast, weak password hashing.
"""

import os
import tempfile
from pathlib import Path

SECRET_KEY = os.environ.get("CAS_SERVER_SECRET_KEY",
                            "demo-cas-server-secret-key-not-for-production")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
ROOT_URLCONF = "example.cas_server.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SESSION_COOKIE_NAME = "cas_sessionid"  # apart from the services' cookies on the same host
CSRF_COOKIE_NAME = "cas_csrftoken"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "mama_cas",
    "example.cas_server",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": os.environ.get("CAS_SERVER_DB",
                           str(Path(tempfile.gettempdir()) / "eha-demo-cas-server.sqlite3")),
}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # demo and tests only

MAMA_CAS_SERVICES = [{
    "SERVICE": r"^http://(127\.0\.0\.1|localhost)(:\d+)?/.*",
    "CALLBACKS": [
        "mama_cas.callbacks.user_name_attributes",
        "mama_cas.callbacks.user_model_attributes",
        "example.cas_server.callbacks.realm_and_groups",
    ],
    "LOGOUT_ALLOW": True,
}]
CAS_USER_REALMS = {"casuser": "alpha"}
