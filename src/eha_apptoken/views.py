"""The tokens pages, the external-app check, and TokenProxyView."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import requests
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.views import View
from django.views.decorators.http import require_safe

from . import client, proxy
from .conf import app_settings
from .decorators import app_token_required
from .models import AppToken
from .status import external_app_state

logger = logging.getLogger(__name__)


def plain(message: str, status: int) -> HttpResponse:
    """Return a short text answer (never a URL or a token)."""
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def token_status(request: HttpRequest, app: str) -> dict[str, Any]:
    """Return {"app", "status", "validated_at"} for the user's token of one app."""
    user = request.user
    if not user.is_authenticated:
        return {"app": app, "status": "unavailable", "validated_at": None}
    status = "valid"
    try:
        if AppToken.objects.usable_token(user, app, proxy.base_url(app, request)) is None:
            status = "unavailable"
    except client.RequestException as exc:
        logger.warning("eha_apptoken: %s unreachable (%s)", app, type(exc).__name__)
        status = "unreachable"
    except proxy.BadProxyRequest:
        status = "unavailable"
    row = AppToken.objects.filter(user=user, app=app).only("validated_at").first()
    return {"app": app, "status": status, "validated_at": row.validated_at if row else None}


@login_required
@require_safe
def check_user_tokens(request: HttpRequest) -> HttpResponse:
    """Show, for each external app, whether the user's token works (never the token)."""
    rows = [token_status(request, app) for app in app_settings.EXTERNAL_APPS]
    return render(request, "eha_apptoken/tokens.html", {"app_tokens": rows})


@app_token_required
@require_safe
def check_tokens(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the user has a working token for every app (else the decorator
    redirects to the tokens page)."""
    return JsonResponse({"status": "ok"})


@require_safe
def check_app(request: HttpRequest, name: str) -> JsonResponse:
    """Answer 200 when the app is reachable and accepts its service token, else 503."""
    if app_settings.app_config(name) is None:
        raise Http404("Unknown external app.")
    details = external_app_state(name, request)
    ok = details["reachable"] and details["service_token_valid"]
    body: dict[str, Any] = {"status": "ok" if ok else "failed"}
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        body["details"] = details
    return JsonResponse(body, status=200 if ok else 503)


class RequestBody:
    """A request body read from the client as the upstream call sends it (not buffered)."""

    def __init__(self, request: HttpRequest, length: int) -> None:
        self.request, self.length = request, length

    def read(self, size: int = -1) -> bytes:
        return self.request.read(size)

    def __len__(self) -> int:
        return self.length


class TokenProxyView(LoginRequiredMixin, View):
    """Forward a request to the external app ``app_name`` with the user's token.

    Mount it per app with the remaining path as the ``path`` kwarg::

        path("ext/<path:path>", TokenProxyView.as_view(app_name="app-1"))

    On gateway realm paths (``/<realm>/<GATEWAY_SERVICE_ID>/...``) the gateway's
    token header is forwarded instead of the user's app token.
    """

    app_name = ""  # set by as_view(app_name=...)
    chunk_size = 64 * 1024
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if (request.method or "").lower() not in self.http_method_names:
            return self.http_method_not_allowed(request)
        if not self.app_name or app_settings.app_config(self.app_name) is None:
            raise Http404("Unknown external app.")
        try:
            return self.forward(request, kwargs.get("path", ""))
        except proxy.BadProxyRequest as exc:
            return plain(str(exc), 400)
        except requests.Timeout:
            logger.warning("eha_apptoken: %s timed out", self.app_name)
            return plain(f"The external app {self.app_name} did not answer in time.", 504)
        except client.RequestException as exc:
            logger.warning("eha_apptoken: %s unreachable (%s)", self.app_name,
                           type(exc).__name__)
            return plain(f"The external app {self.app_name} is not reachable.", 502)

    def forward(self, request: HttpRequest, path: str) -> HttpResponseBase:
        """Send the request upstream (again once, with a new token, after a 401)."""
        request.get_host()  # a repeated or unknown Host: DisallowedHost, answered 400
        proxy.check_framing(request)
        base = proxy.base_url(self.app_name, request)
        url = proxy.target_url(base, path, request.META.get("QUERY_STRING", ""))
        gateway = proxy.uses_gateway_token(request)
        headers = proxy.upstream_headers(request, gateway=gateway)
        body, replayable = self.request_body(request)
        token = None if gateway else self.user_token(request, base)
        if not gateway and token is None:
            return plain(f"No token could be obtained for {self.app_name}.", 502)
        upstream = self.send(request, url, headers, body, token)
        if upstream.status_code == 401 and not gateway:
            upstream = self.retry_with_new_token(request, upstream, base, token,
                                                 (url, headers, body) if replayable else None)
        return self.stream_response(request, upstream)

    def retry_with_new_token(self, request: HttpRequest, upstream: requests.Response,
                             base: str, stale: str | None,
                             resend: tuple[str, dict[str, str], Any] | None) -> requests.Response:
        """Obtain a new token (once for all concurrent requests); resend if the body allows."""
        try:
            token = AppToken.objects.refresh(request.user, self.app_name, base, stale=stale)
        except BaseException:
            upstream.close()
            raise
        if token is None or resend is None:
            return upstream
        upstream.close()
        return self.send(request, *resend, token)

    def user_token(self, request: HttpRequest, base: str) -> str | None:
        """Return the user's token for the app (hook: override to choose another)."""
        return AppToken.objects.usable_token(request.user, self.app_name, base)

    def request_body(self, request: HttpRequest) -> tuple[Any, bool]:
        """Return (body, replayable): small bodies in memory, large ones streamed."""
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length <= 0:
            return None, True
        if getattr(request, "_read_started", False) and not hasattr(request, "_body"):
            # Something (CSRF checking request.POST on a multipart body) parsed the
            # stream: the original bytes are gone and cannot be forwarded.
            raise proxy.BadProxyRequest("the request body was already read")
        if length <= app_settings.RETRY_BODY_LIMIT:
            return request.body, True
        return RequestBody(request, length), False

    def send(self, request: HttpRequest, url: str, headers: dict[str, str], body: Any,
             token: str | None) -> requests.Response:
        if token is not None:
            headers = {**headers, **client.auth_header(token)}
        return client.send(self.app_name, request.method or "GET", url, headers=headers, data=body,
                           stream=True)

    def stream_response(self, request: HttpRequest,
                        upstream: requests.Response) -> StreamingHttpResponse:
        """Return the upstream answer, streamed, with the allow-listed headers only."""
        empty = request.method == "HEAD" or upstream.status_code in (204, 304)
        content = iter(()) if empty else self.stream(upstream)
        if empty:
            upstream.close()
        response = StreamingHttpResponse(content, status=upstream.status_code)
        del response["Content-Type"]
        for name, value in proxy.downstream_headers(upstream.headers.items()):
            response[name] = value
        return response

    def stream(self, upstream: requests.Response) -> Iterator[bytes]:
        # Raw bytes, not decoded: Content-Encoding and Content-Length pass unchanged.
        # read1 hands on what has arrived (up to chunk_size) without waiting to fill
        # a chunk, so a slow answer reaches the client as it comes.
        raw = upstream.raw
        try:
            while chunk := raw.read1(self.chunk_size, decode_content=False):
                yield chunk
        except Exception as exc:  # the status line is sent: all we can do is stop
            logger.warning("eha_apptoken: %s stream interrupted (%s)", self.app_name,
                           type(exc).__name__)
        finally:
            upstream.close()
