"""The demo site's production settings, on an in-memory database, with a bare baseline view."""

import os

# The demo's settings read the environment; benchmarks measure it with DEBUG off, so
# DEBUG-only parts (proxy mockup sessions) are not in the measured stack.
os.environ["DEBUG"] = "false"

from example.settings import *  # noqa: F403

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
ROOT_URLCONF = "benchmarks.urls"
ALLOWED_HOSTS = ["testserver"]
