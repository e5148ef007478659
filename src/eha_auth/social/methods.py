"""The login page's entries for social login: one link per social-auth backend enabled."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from ..accounts.methods import LoginMethod, with_next

TITLES = {"google-oauth2": "Google", "github": "GitHub", "keycloak": "Keycloak",
          "oidc": "OpenID Connect"}


@lru_cache(maxsize=8)
def social_backends(paths: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Return (name, title) of the social-auth backends among ``paths``."""
    try:
        from social_core.backends.base import BaseAuth  # optional: the social extra
    except ImportError:
        return ()
    found = []
    for path in paths:
        try:
            backend = import_string(path)
        except ImportError:  # Django reports it when the backend is used
            continue
        if isinstance(backend, type) and issubclass(backend, BaseAuth) and backend.name:
            title = getattr(backend, "title", "") or TITLES.get(backend.name, backend.name)
            found.append((backend.name, title))
    return tuple(found)


def social(request: HttpRequest) -> list[LoginMethod]:
    """A link per social-auth backend in AUTHENTICATION_BACKENDS (none when social is off).

    The label is ``SOCIAL_AUTH_<BACKEND>_TITLE``, else the backend class's ``title``.
    """
    methods = []
    for name, title in social_backends(tuple(getattr(settings, "AUTHENTICATION_BACKENDS", ()))):
        try:
            url = reverse("social:begin", args=[name])
        except NoReverseMatch:
            return []
        setting = f"SOCIAL_AUTH_{name.upper().replace('-', '_')}_TITLE"
        label = getattr(settings, setting, None) or title
        # A POST with the CSRF token: newer social-auth refuses a GET to begin a login.
        methods.append(LoginMethod(f"social-{name}", f"Sign in with {label}",
                                   with_next(url, request), post=True))
    return methods
