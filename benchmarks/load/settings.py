"""The demo's settings as the environment makes them, with the load scenarios' URLs.

``nox -s load`` sets DEBUG, DATABASE_URL, REDIS_URL, CONN_MAX_AGE and the provider's URL
in the environment, which example/settings.py reads; only the URLs and one header
telling which worker answered are added here.
"""

from example.settings import *  # noqa: F403
from example.settings import MIDDLEWARE

ROOT_URLCONF = "benchmarks.load.urls"
MIDDLEWARE = ["benchmarks.load.middleware.WorkerHeaderMiddleware", *MIDDLEWARE]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
