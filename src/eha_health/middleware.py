"""Answer health probes before host validation, sessions, realms and auth."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .conf import app_settings
from .views import VIEWS


class HealthCheckMiddleware:
    """Answer exact health paths first, so probes by private IP get through.

    Place it first in MIDDLEWARE. Load balancers call by IP address, which
    ``ALLOWED_HOSTS`` rightly rejects; this middleware answers ``/health``,
    ``/check-db``, ``/check-app`` and ``/check-ready`` (also under
    HEALTH_URL_PREFIXES and, with a gateway, ``/<realm>/<service>/``) before
    anything reads the Host header. Every other request passes untouched.
    Requests that carry credentials (a session cookie or an Authorization
    header) also pass, so the URLconf serves them and staff see details.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = health_view_for(request.path_info)
        if view is None or _carries_credentials(request):
            return self.get_response(request)
        return view(request)


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
