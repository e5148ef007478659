"""Liveness answered at the ASGI door, before Django's request handler.

Django's ASGI handler costs two thread switches per request of its own (the
``request_started`` signal's receivers and the response's ``close()``), which
HealthCheckMiddleware cannot avoid. Wrapping the application answers ``/health``
(under HEALTH_URL_PREFIXES and gateway prefixes, as the middleware does) on the
event loop, with no Django request at all:

    from django.core.asgi import get_asgi_application
    from eha_health.asgi import answer_liveness

    application = answer_liveness(get_asgi_application())

The answer is the ``health`` view's: 200 with an empty body, for GET and HEAD
without credentials. Every other request, and every other scope (lifespan,
websocket), goes to the wrapped application unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings

from .middleware import health_view_for
from .views import health

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                   Awaitable[None]]

_HEADERS = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", b"0")]


def answer_liveness(application: ASGIApp) -> ASGIApp:
    """Return ``application`` with ``/health`` answered before it is called."""

    async def door(scope: Scope, receive: Callable[[], Awaitable[Any]],
                   send: Callable[[Any], Awaitable[None]]) -> None:
        if not _is_liveness_probe(scope):
            await application(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        await send({"type": "http.response.body", "body": b""})

    return door


def _is_liveness_probe(scope: Scope) -> bool:
    if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
        return False
    path = scope.get("path", "")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    return health_view_for(path) is health and not _carries_credentials(scope)


def _carries_credentials(scope: Scope) -> bool:
    """The middleware's rule: an Authorization header or a session cookie passes on."""
    cookie = f"{settings.SESSION_COOKIE_NAME}=".encode()
    for name, value in scope.get("headers", ()):
        if name == b"authorization" or (name == b"cookie" and _has_cookie(value, cookie)):
            return True
    return False


def _has_cookie(header: bytes, prefix: bytes) -> bool:
    return any(part.strip().startswith(prefix) for part in header.split(b";"))
