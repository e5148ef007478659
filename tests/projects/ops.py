"""A project for process tests (gunicorn, a Celery worker, startup probes).

Its database is one the processes can share: PostgreSQL when EHA_PG_HOST is set
(EHA_PG_PORT, EHA_PG_NAME), else the SQLite file EHA_DB_FILE. EHA_CACHE_URL
makes the default cache a RedisCache; EHA_BROKER_URL is the Celery broker;
PROMETHEUS_MULTIPROC_DIR and EHA_METRICS_TOKEN set up the metrics view.
"""

import os

from tests.settings import *  # noqa: F403
from tests.settings import MIDDLEWARE

if os.environ.get("EHA_PG_HOST"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("EHA_PG_NAME", "postgres"),
            "USER": os.environ.get("EHA_PG_USER", "postgres"),
            "PASSWORD": os.environ.get("EHA_PG_PASSWORD", ""),
            "HOST": os.environ["EHA_PG_HOST"],
            "PORT": os.environ["EHA_PG_PORT"],
        }
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                             "NAME": os.environ["EHA_DB_FILE"]}}

if os.environ.get("EHA_CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["EHA_CACHE_URL"]}}

ROOT_URLCONF = "tests.projects.ops_urls"
MIDDLEWARE = [*MIDDLEWARE, "eha_tenancy.middleware.RealmMiddleware"]
MULTITENANCY = True
HEALTH_SHOW_DETAILS = True
HEALTH_METRICS_TOKEN = os.environ.get("EHA_METRICS_TOKEN")
HEALTH_METRICS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
CELERY_BROKER_URL = os.environ.get("EHA_BROKER_URL", "memory://")
MIDDLEWARE = [*MIDDLEWARE, "tests.projects.ops_urls.worker_pid"]
