"""Turn a session forwarded by an upstream proxy into ``request.user`` and ``request.session``."""

from __future__ import annotations

import contextlib
import functools
import logging
import re

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse

from ..accounts.realms import current_realm, set_session_realm
from ..conf import app_settings
from ..oidc import shared
from .crypto import SessionRejected, decode_session
from .sessions import ProxySessionStore

logger = logging.getLogger("eha_auth.proxy")


class ProxySessionMiddleware:
    """Read the proxy's session (cookie, or ``Authorization: Bearer`` JWT) on every request.

    Place it after ``AuthenticationMiddleware``. A valid session replaces
    ``request.user`` and ``request.session`` (read-only, nothing stored). Without
    one, only ``PROXY_SESSION_ALLOWED_PATHS`` (and the login pages) are served:
    API clients get 403, browsers a redirect to ``LOGIN_URL``.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.async_mode:
            return self.__acall__(request)  # type: ignore[return-value]  # a coroutine under ASGI
        return self.refusal(request) or self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        # A warm request (a user read within AUTH_MEMO_SECONDS) stays on the event loop.
        refusal = await shared.run_warm(self.refusal, request)
        return refusal or await self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        """Start the proxy's session; return the response refusing the request, or None."""
        token = self.get_token(request)
        if token:
            payload = self.decode(token)
            if payload is not None:
                self.start_session(request, payload)
        if not app_settings.PROXY_SESSION_REQUIRED:
            return None
        shared.require_loaded_session(getattr(request, "session", None))  # the lazy user
        user = getattr(request, "user", None)
        if (user and user.is_authenticated) or self.is_allowed(request.path_info):
            return None
        return self.refuse(request)

    def get_token(self, request: HttpRequest) -> str | None:
        """Return the Bearer token, else the session cookie, else None."""
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
        return request.COOKIES.get(app_settings.PROXY_SESSION_COOKIE) or None

    def decode(self, token: str) -> dict | None:
        """Return the verified payload, or None after logging one warning (no secrets)."""
        try:
            return decode_session(token)
        except SessionRejected as exc:
            logger.warning("Upstream proxy session rejected: %s.", exc)
            return None

    def start_session(self, request: HttpRequest, payload: dict) -> None:
        """Log the payload's user in for this request only."""
        shared.require_loaded_session(getattr(request, "session", None))
        user = authenticate(request, proxy_session=payload)
        if user is None:
            logger.warning("Upstream proxy session rejected: no user for it (unknown, inactive, "
                           "or not for this realm).")
            return
        realm = current_realm(request)  # before the session is replaced: it may hold one
        request.session = ProxySessionStore(payload)
        set_session_realm(request.session, realm)
        request.user = user
        request._cached_user = user  # type: ignore[attr-defined]  # AuthenticationMiddleware's cache
        request._acached_user = user  # type: ignore[attr-defined]  # and request.auser()'s

    def is_allowed(self, path: str) -> bool:
        """Return whether ``path`` is served without a session."""
        allowed = app_settings.PROXY_SESSION_ALLOWED_PATHS
        return path in _login_paths() or path_allowed(path, allowed)

    def refuse(self, request: HttpRequest) -> HttpResponse:
        """Return 403 to API clients and a redirect to the login page to browsers."""
        if wants_html(request):
            return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        return JsonResponse({"detail": "A session from the upstream proxy is required."},
                            status=403)


def wants_html(request: HttpRequest) -> bool:
    """Return whether the request comes from a browser page rather than an API client."""
    if "Authorization" in request.headers or request.path_info.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("Accept", "")


def path_allowed(path: str, allowed: list[str]) -> bool:
    """Return whether ``path`` equals an entry, or fully matches one starting with ``^``."""
    for entry in allowed:
        if entry.startswith("^"):
            if _compiled(entry).fullmatch(path):
                return True
        elif path == entry:
            return True
    return False


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _login_paths() -> set[str]:
    paths = set()
    with contextlib.suppress(NoReverseMatch):
        paths.add(resolve_url(settings.LOGIN_URL))
    for name in ("eha_proxy:mockup-login", "eha_proxy:sso-login"):
        with contextlib.suppress(NoReverseMatch):
            paths.add(reverse(name))
    return paths
