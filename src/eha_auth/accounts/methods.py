"""The login methods the login page lists.

``EHA_AUTH_LOGIN_METHODS`` lists dotted paths of callables taking the request and
returning a ``LoginMethod``, a list of them, or None when the method is off. Keycloak or social
login add theirs by appending a path, for example::

    EHA_AUTH_LOGIN_METHODS = [*defaults, "myproject.login.keycloak"]
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from ..conf import app_settings
from .redirects import is_safe_next

PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"
CAS_BACKEND = "eha_auth.cas.backends.CASBackend"


@dataclass(frozen=True)
class LoginMethod:
    """One way in: ``form`` renders the password form, ``post`` a button posting to ``url``
    (with the CSRF token and ``next``), others a link."""

    id: str
    label: str
    url: str = ""
    form: bool = False
    post: bool = False


def enabled_methods(request: HttpRequest) -> list[LoginMethod]:
    """Return the login methods the project enabled, in EHA_AUTH_LOGIN_METHODS order."""
    methods: list[LoginMethod] = []
    for path in app_settings.LOGIN_METHODS:
        method = import_string(path)(request)
        if isinstance(method, list | tuple):  # one callable may offer several (social)
            methods.extend(method)
        elif method is not None:
            methods.append(method)
    return methods


def _backends() -> list[str]:
    return list(getattr(settings, "AUTHENTICATION_BACKENDS", [PASSWORD_BACKEND]))


def with_next(url: str, request: HttpRequest) -> str:
    next_url = request.GET.get("next")
    return f"{url}?{urlencode({'next': next_url})}" if is_safe_next(request, next_url) else url


def password(request: HttpRequest) -> LoginMethod | None:
    """Username and password, when a backend that checks passwords is enabled."""
    backends = _backends()
    if any(path.endswith(("ModelBackend", "AllowAllUsersModelBackend")) for path in backends):
        return LoginMethod("password", "Username and password", form=True)
    return None


def cas(request: HttpRequest) -> LoginMethod | None:
    """CAS, when the CAS backend is enabled and CAS_SERVER_URL is set."""
    if CAS_BACKEND not in _backends() or not app_settings.CAS_SERVER_URL:
        return None
    try:
        return LoginMethod("cas", "Central Authentication Service (CAS)",
                           with_next(reverse("eha_cas:login"), request))
    except NoReverseMatch:
        return None


def proxy_mockup(request: HttpRequest) -> LoginMethod | None:
    """The proxy mockup login, in DEBUG only."""
    if not settings.DEBUG or not app_settings.PROXY_MOCKUP_SESSIONS:
        return None
    try:
        return LoginMethod("proxy-mockup", "Mockup session (development)",
                           with_next(reverse("eha_proxy:mockup-login"), request))
    except NoReverseMatch:
        return None
