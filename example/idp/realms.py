"""The realm of the current request: taken from /realms/<realm>/, one per thread."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import JsonResponse

current_realm: ContextVar[str | None] = ContextVar("current_realm", default=None)
current_base_url: ContextVar[str] = ContextVar("current_base_url", default="")
# The browser's provider session (its sign-in), while the authorization endpoint runs.
current_sso_session: ContextVar[str | None] = ContextVar("current_sso_session", default=None)
SSO_SESSION_KEY = "idp_sid"

REALM_PATH = re.compile(r"^/realms/(?P<realm>[^/]+)")
SEPARATOR = ":"

# What the provider has received (tests count requests, e.g. none after a `jku` header).
requests_seen: Counter = Counter()
requests_lock = threading.Lock()
# Seconds every realm request waits before answering (tests make the provider hang).
delay = {"seconds": 0.0}


def issuer(realm: str | None = None) -> str:
    """Return the issuer of ``realm`` (the current one by default), as Keycloak spells it.

    Keycloak with a ``hostname`` takes it from that front-end URL (IDP_FRONTEND_URL here),
    whatever URL the request came to; without one, from the request.
    """
    front = settings.IDP_FRONTEND_URL or current_base_url.get()
    return f"{front}/realms/{realm or current_realm.get()}"


def backchannel_url(realm: str | None = None) -> str:
    """Return the realm's URL as the request reached it (``hostname-backchannel-dynamic``).

    Keycloak serves the token, keys, userinfo and introspection endpoints on the URL the
    caller used, so a service calls them on its internal URL.
    """
    return f"{current_base_url.get()}/realms/{realm or current_realm.get()}"


def stored_username(realm: str, name: str) -> str:
    return f"{realm}{SEPARATOR}{name}"


def public_username(stored: str) -> str:
    return stored.split(SEPARATOR, 1)[-1]


class RealmMiddleware:
    """Count requests, resolve the realm of /realms/<realm>/ paths (404 when unknown)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        paths = ["total", request.path]
        if request.method == "POST" and request.path.endswith("/token"):
            # Per grant type too: tests count refreshes apart from sign-ins.
            paths.append(f"{request.path} {request.POST.get('grant_type')}")
        with requests_lock:
            requests_seen.update(paths)
        match = REALM_PATH.match(request.path_info)
        if not match:
            return self.get_response(request)
        from .models import Realm

        name = match["realm"]
        if not Realm.objects.filter(name=name).exists():
            return JsonResponse({"error": "Realm does not exist"}, status=404)
        if delay["seconds"]:
            time.sleep(delay["seconds"])
        with in_realm(request, name):
            return self.get_response(request)


@contextmanager
def in_realm(request, name: str):
    """Make ``name`` the current realm, its issuer built from ``request``'s host."""
    realm_token = current_realm.set(name)
    base_token = current_base_url.set(request.build_absolute_uri("/").rstrip("/"))
    try:
        yield
    finally:
        current_realm.reset(realm_token)
        current_base_url.reset(base_token)


class RealmUserBackend(ModelBackend):
    """Users belong to one realm: ``alice`` in realm ``alpha`` is stored ``alpha:alice``."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        realm = current_realm.get()
        if not realm or username is None:
            return None
        return super().authenticate(request, username=stored_username(realm, username),
                                    password=password, **kwargs)
