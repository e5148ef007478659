"""The demo as an ASGI application: ``uvicorn example.asgi:application``.

Served as docs/production/asgi.md advises, with eha_health.asgi:

- ``get_asgi_application``: Django's handler, serving a request to a sync view (every
  DRF view) in one thread switch, as a WSGI worker would;
- ``reuse_threads``: each request's synchronous code on a kept thread, not a new one;
- ``answer_liveness``: ``/health`` answered before Django, with no thread switch.
"""

import os

from eha_health.asgi import answer_liveness, get_asgi_application, reuse_threads

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402  (the imports below need the settings)
from django.core.cache import caches  # noqa: E402

# Django keeps its cache objects per context: made inside a request, they are that
# request's alone, with a new connection pool (a new connection to Redis) each time.
# Made here, every request of the process inherits them and shares their pools.
for alias in settings.CACHES:
    caches[alias]

application = answer_liveness(reuse_threads(django_application))
