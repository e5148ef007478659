"""The demo as an ASGI application: ``uvicorn example.asgi:application``.

``/health`` is answered before Django's handler (eha_health.asgi), so a liveness
probe costs no thread switch; everything else is Django's.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402  (the imports below need the settings)
from django.core.cache import caches  # noqa: E402

from eha_health.asgi import answer_liveness  # noqa: E402

# Django keeps its cache objects per context: made inside a request, they are that
# request's alone, with a new connection pool (a new connection to Redis) each time.
# Made here, every request of the process inherits them and shares their pools.
for alias in settings.CACHES:
    caches[alias]

application = answer_liveness(django_application)
