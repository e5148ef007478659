"""asgi-served-vs-django: a request to a sync view under ASGI, through the application
docs/production/asgi.md advises (eha_health.asgi: a sync view's request in one thread
switch, kept request threads) against Django's own ASGI handler, the demo's MIDDLEWARE in both.
Thread switches per request are reported beside the ratio.
"""

import asyncio

from asgiref.sync import SyncToAsync
from django.core.handlers.asgi import ASGIHandler
from tests.harness.asgi import asgi_request

from eha_health.asgi import get_asgi_application, reuse_threads

SETTINGS = "benchmarks.settings"

def scenarios(bench) -> None:
    loop = asyncio.new_event_loop()
    served, djangos = reuse_threads(get_asgi_application()), ASGIHandler()

    def get(application) -> None:
        status, _, _ = loop.run_until_complete(asgi_request(application, "/bare"))
        assert status == 200, status

    try:
        bench.compare("asgi-served-vs-django", subject=lambda: get(served),
                      baseline=lambda: get(djangos), target=1.0,
                      extra={"switches_per_request": _switches(lambda: get(served)),
                             "django_switches_per_request": _switches(lambda: get(djangos))})
    finally:
        loop.close()


def _switches(request, requests: int = 50) -> float:
    """Return the sync_to_async calls (thread switches) per request."""
    made = []
    original = SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        made.append(self.func)
        return await original(self, *args, **kwargs)

    SyncToAsync.__call__ = counted
    try:
        for _ in range(requests):
            request()
    finally:
        SyncToAsync.__call__ = original
    return len(made) / requests
