"""The demo site's settings, on an in-memory database, with a bare baseline view."""

from example.settings import *  # noqa: F403

DEBUG = False
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
ROOT_URLCONF = "benchmarks.urls"
ALLOWED_HOSTS = ["testserver"]
