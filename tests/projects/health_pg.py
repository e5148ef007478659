"""A project on a PostgreSQL server named by EHA_PG_HOST/EHA_PG_PORT (database tests)."""

import os

from tests.settings import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "HOST": os.environ["EHA_PG_HOST"],
        "PORT": os.environ["EHA_PG_PORT"],
        "OPTIONS": {"connect_timeout": 2},
    }
}
HEALTH_CHECK_TIMEOUT = 3
HEALTH_SHOW_DETAILS = True
