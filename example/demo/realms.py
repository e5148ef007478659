"""/realm/<realm>/: remember a realm in the browser (members only: the middleware checks)."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme


def choose_realm(request, realm):
    """Set the realm cookie, then go to ``next`` (same host only) or the realm's notes."""
    target = request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()},
                                           require_https=request.is_secure()):
        target = "/api/notes/"
    response = redirect(target)
    response.set_cookie(getattr(settings, "REALM_COOKIE", "eha-realm"), request.realm,
                        samesite="Lax", httponly=True)
    return response


urlpatterns = [path("realm/<str:realm>/", choose_realm)]
