"""/realm/<realm>/: remember a realm in the browser (members only: the middleware checks)."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import path


def choose_realm(request, realm):
    response = redirect(request.GET.get("next") or "/admin/")
    response.set_cookie(getattr(settings, "REALM_COOKIE", "eha-realm"), request.realm,
                        samesite="Lax", httponly=True)
    return response


urlpatterns = [path("realm/<str:realm>/", choose_realm)]
