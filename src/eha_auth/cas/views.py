"""CAS login and logout on django-cas-ng's views: single logout, safe ``next``, 503 when down."""

from __future__ import annotations

import logging
from collections.abc import Callable

import requests
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django_cas_ng import views as cas_views
from django_cas_ng.utils import RedirectException
from lxml import etree

from ..accounts.redirects import safe_next
from ..realms import REALM_SESSION_KEY
from .logout import end_sessions

logger = logging.getLogger("eha_auth.cas")


FOREIGN_NEXT = "The next address must be on this site."


def _same_site_only(request: HttpRequest, get: Callable[[HttpRequest], HttpResponse]
                    ) -> HttpResponse:
    """Run a django-cas-ng view's ``get``, refusing a ``next`` that would leave this site."""
    if request.GET.get("next") and not safe_next(request, request.GET["next"], ""):
        return HttpResponseBadRequest(FOREIGN_NEXT)
    try:
        return get(request)
    except RedirectException:
        return HttpResponseBadRequest(FOREIGN_NEXT)


def _unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.warning("CAS server unavailable (%s).", type(exc).__name__)
    return render(request, "eha_auth/cas/unavailable.html", status=503)


class LoginView(cas_views.LoginView):
    """Redirect to CAS, validate the returned ticket, or end sessions on a logout request."""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.GET.get("logoutRequest"):
            end_sessions(request.GET["logoutRequest"])
            return HttpResponse("ok", content_type="text/plain")
        try:
            return _same_site_only(request, super().get)
        except (requests.RequestException, etree.LxmlError) as exc:
            return _unavailable(request, exc)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.POST.get("logoutRequest"):
            end_sessions(request.POST["logoutRequest"])
            return HttpResponse("ok", content_type="text/plain")
        return HttpResponseBadRequest("Expected a CAS logout request.")

    def successful_login(self, request: HttpRequest, next_page: str) -> HttpResponse:
        realm = getattr(request.user, "eha_realm", None)
        if realm:
            request.session[REALM_SESSION_KEY] = realm
        return HttpResponseRedirect(safe_next(request, next_page))


class LogoutView(cas_views.LogoutView):
    """Drop the session's tickets, sign out, then sign out of CAS."""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return _same_site_only(request, super().get)
