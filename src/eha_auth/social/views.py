"""social-auth-app-django's begin and complete views, answering failures with a message.

A failed social login is a 4xx (400 bad or stale request, such as a ``state`` that does
not match; 403 refused by policy, such as a realm not allowed) or a 503 when the provider
cannot be reached: never a 500, and the log line names the failure's class only.
"""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from social_core import exceptions
from social_django import views as social_views

from .pipeline import AuthForbidden

logger = logging.getLogger("eha_auth.social")

# Provider unreachable or failing: social-core < 5 and >= 5 name these differently.
def _exceptions(*names: str) -> tuple[type[Exception], ...]:
    return tuple(getattr(exceptions, name) for name in names if hasattr(exceptions, name))


UNAVAILABLE = _exceptions("AuthConnectionError", "AuthUnreachableProvider", "AuthProviderError")
REFUSED = (*_exceptions("AuthAlreadyAssociated", "AuthAssociationError"), AuthForbidden)
MESSAGES = {
    503: "The sign-in service cannot be reached right now. Please try again in a few minutes.",
    403: "This account may not sign in here.",
    400: "The sign-in could not be completed (it may have expired or been cancelled). "
         "Please start again.",
}


def failure_status(exc: Exception) -> int:
    """Return the status answering a failed social login."""
    if isinstance(exc, (requests.RequestException, *UNAVAILABLE)):
        return 503
    if isinstance(exc, REFUSED):
        return 403
    return 400


def failed(request: HttpRequest, backend: str, exc: Exception) -> HttpResponse:
    """Render the failure page; log the failure's class, never its text (it may hold tokens)."""
    status = failure_status(exc)
    logger.warning("social login through %s failed: %s (%s)", backend[:64],
                   type(exc).__name__, status)
    login_url = str(settings.LOGIN_URL)  # may be lazy (reverse_lazy)
    try:
        login_url = reverse(login_url)
    except NoReverseMatch:
        login_url = login_url if login_url.startswith("/") else ""
    return render(request, "eha_auth/social/failed.html",
                  {"message": MESSAGES[status], "login_url": login_url}, status=status)


def _guarded(view, request: HttpRequest, backend: str, *args, **kwargs) -> HttpResponse:
    try:
        return view(request, backend, *args, **kwargs)
    except (exceptions.SocialAuthBaseException, requests.RequestException) as exc:
        return failed(request, backend, exc)


@never_cache
def auth(request: HttpRequest, backend: str) -> HttpResponse:
    """Send the browser to the provider (social-auth's ``begin``)."""
    return _guarded(social_views.auth, request, backend)


@never_cache
@csrf_exempt  # the provider's redirect or form post back (OAuth's state guards it)
def complete(request: HttpRequest, backend: str, *args, **kwargs) -> HttpResponse:
    """Finish the login when the provider sends the browser back (social-auth's ``complete``)."""
    return _guarded(social_views.complete, request, backend, *args, **kwargs)
