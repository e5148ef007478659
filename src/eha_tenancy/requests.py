"""The realm of a request: the one it asks for, and the one it has."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import Resolver404, resolve

from .conf import REALM_HEADER, SESSION_KEY, app_settings
from .names import validate_realm
from .state import get_active_realm


def requested_realm(request: HttpRequest, url_realm: str | None = None) -> str:
    """Return the realm a request asks for, unchecked.

    In order: the ``realm`` URL kwarg (unless it is GATEWAY_PUBLIC_REALM), the
    session, the REALM_COOKIE cookie, the ``Eha-Realm`` header, DEFAULT_REALM.
    """
    if url_realm and url_realm != app_settings.cached("GATEWAY_PUBLIC_REALM"):
        return url_realm
    session = getattr(request, "session", None)
    return ((session.get(SESSION_KEY) if session is not None else None)
            or request.COOKIES.get(app_settings.cached("REALM_COOKIE"))
            or request.headers.get(REALM_HEADER) or app_settings.cached("DEFAULT_REALM"))


def get_current_realm(request: Any = None, default_realm: str | None = None) -> str | None:
    """Return the realm of ``request`` (the active realm without one); None with tenancy off."""
    if not app_settings.MULTITENANCY:
        return None
    if request is None:
        return get_active_realm() or default_realm or app_settings.DEFAULT_REALM
    try:
        return request.realm  # RealmMiddleware's verdict: None when it refused the realm
    except AttributeError:
        pass
    realm = requested_realm(request, _url_realm(request))
    if default_realm and realm == app_settings.DEFAULT_REALM:
        return default_realm
    return realm


def _url_realm(request: Any) -> str | None:
    try:
        return resolve(request.path_info).kwargs.get("realm")
    except Resolver404:
        return None


def realm_of(request_or_realm: Any) -> str | None:
    """Return the realm named by a string, or the realm of a request; None with tenancy off."""
    if not app_settings.MULTITENANCY:
        return None
    if isinstance(request_or_realm, str):
        return validate_realm(request_or_realm)
    return get_current_realm(request_or_realm)
