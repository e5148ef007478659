"""Answer health probes before host validation, sessions, realms and auth."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .conf import app_settings
from .views import VIEWS, answers_without_io


class HealthCheckMiddleware:
    """Answer exact health paths first, so probes by private IP get through.

    Place it first in MIDDLEWARE. Load balancers call by IP address, which
    ``ALLOWED_HOSTS`` rightly rejects; this middleware answers ``/health``,
    ``/check-db``, ``/check-app`` and ``/check-ready`` (also under
    HEALTH_URL_PREFIXES and, with a gateway, ``/<realm>/<service>/``) before
    anything reads the Host header. Every other request passes untouched.
    Requests that carry credentials (a session cookie or an Authorization
    header) also pass, so the URLconf serves them and staff see details.

    Under ASGI it answers on the event loop: ``/health``, ``/check-app`` and
    fresh readiness results cost no thread; a probe that reads a database or a
    cache runs in one ``sync_to_async``.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        view = self.view_for(request)
        return self.get_response(request) if view is None else view(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        view = self.view_for(request)
        if view is None:
            return await self.get_response(request)
        if answers_without_io(view):
            return view(request)
        return await sync_to_async(view)(request)

    def view_for(self, request: HttpRequest) -> Callable | None:
        """Return the health view answering ``request`` here, or None to pass it on."""
        view = health_view_for(request.path_info)
        return None if view is None or _carries_credentials(request) else view


def health_view_for(path: str) -> Callable | None:
    """Return the health view answering ``path`` exactly, or None."""
    prefix, _, name = path.rpartition("/")
    view = VIEWS.get(name)
    if view is None:
        return None
    prefix += "/"
    if any(prefix == _normalised(allowed) for allowed in app_settings.URL_PREFIXES):
        return view
    return view if _is_gateway_prefix(prefix) else None


def _normalised(prefix: str) -> str:
    inner = prefix.strip("/")
    return f"/{inner}/" if inner else "/"


def _is_gateway_prefix(prefix: str) -> bool:
    service = app_settings.GATEWAY_SERVICE_ID
    if not service:
        return False
    parts = prefix.strip("/").split("/")
    return len(parts) == 2 and parts[0] != "" and parts[1] == service


def _carries_credentials(request: HttpRequest) -> bool:
    return "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES
