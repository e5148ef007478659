"""Mockup login (local development) and the third-party SSO login URL."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from ..accounts.realms import current_realm, set_session_realm
from ..accounts.redirects import safe_next
from ..conf import app_settings
from .crypto import SessionRejected, decode_session, encrypt_payload

logger = logging.getLogger("eha_auth.proxy")


class MockupLoginView(View):
    """Sign in as one of PROXY_MOCKUP_SESSIONS by setting the proxy cookie (DEBUG only)."""

    template_name = "eha_auth/proxy/mockup_login.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if not settings.DEBUG or not app_settings.PROXY_MOCKUP_SESSIONS:
            raise Http404("Mockup sessions are for local development (DEBUG) only.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return render(request, self.template_name, {
            "usernames": sorted(app_settings.PROXY_MOCKUP_SESSIONS),
            "next": safe_next(request, request.GET.get("next"))})

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username = request.POST.get("username", "")
        payload = app_settings.PROXY_MOCKUP_SESSIONS.get(username)
        if payload is None:
            return render(request, self.template_name, {
                "usernames": sorted(app_settings.PROXY_MOCKUP_SESSIONS),
                "error": "Choose one of the mockup users."}, status=400)
        realm, field = current_realm(request), app_settings.PROXY_SESSION_REALM_FIELD
        if realm is not None and field is not None:
            payload = {field: realm, **payload}  # the realm the page was opened in
        response = HttpResponseRedirect(safe_next(request, request.POST.get("next")))
        response.set_cookie(app_settings.PROXY_SESSION_COOKIE,
                            encrypt_payload({"username": username, **payload}),
                            max_age=app_settings.PROXY_SESSION_MAX_AGE, httponly=True,
                            samesite="Lax", secure=request.is_secure())
        return response


class MockupLogoutView(View):
    """Drop the mockup proxy cookie."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = HttpResponseRedirect(safe_next(request, request.POST.get("next")))
        response.delete_cookie(app_settings.PROXY_SESSION_COOKIE, samesite="Lax")
        return response


@method_decorator(csrf_exempt, name="dispatch")
class SSOLoginView(View):
    """Log in the user whose encrypted attributes a third-party SSO POSTs here.

    The form field ``session`` holds a v1 token or a session JWT (``exp``
    required); a ``jti`` in it is accepted once. CSRF does not apply: the
    encrypted payload is the proof of origin.
    """

    template_name = "eha_auth/proxy/sso_failed.html"
    field_name = "session"

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            payload = decode_session(request.POST.get(self.field_name, ""))
            self.check_replay(payload)
        except SessionRejected as exc:
            logger.warning("Third-party SSO login rejected: %s.", exc)
            return render(request, self.template_name, status=403)
        user = authenticate(request, proxy_session=payload)
        if user is None:
            return render(request, self.template_name, status=403)
        login(request, user)
        set_session_realm(request.session, current_realm(request))
        return HttpResponseRedirect(safe_next(request, request.POST.get("next")))

    def check_replay(self, payload: dict) -> None:
        """Refuse a payload whose ``jti`` was already used before its ``exp``."""
        jti = payload.get("jti")
        if jti is None:
            return
        timeout = max(1, int(float(payload["exp"]) - time.time()))
        if not cache.add(f"eha_auth:sso-jti:{jti}", 1, timeout=timeout):
            raise SessionRejected("payload already used")
