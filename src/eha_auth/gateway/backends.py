"""Gateway tokens: the user's provider JWT in GATEWAY_HEADER_TOKEN, verified locally."""

from __future__ import annotations

import re
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend

from ..conf import app_settings
from ..oidc.errors import InvalidToken, ProviderUnavailable
from ..oidc.tokens import verify_access_token
from ..oidc.users import map_user

BACKEND_PATH = "eha_auth.gateway.backends.GatewayBackend"


@lru_cache(maxsize=16)
def _gateway_path(app_url: str, service: str) -> re.Pattern:
    prefix = "/" + app_url.strip("/") + "/" if app_url.strip("/") else "/"
    return re.compile(rf"^{re.escape(prefix)}(?P<realm>[^/]+)/{re.escape(service)}/")


def realm_from_path(path: str) -> str | None:
    """Return the realm of a gateway path ``/<APP_URL><realm>/<GATEWAY_SERVICE_ID>/...``."""
    service = app_settings.cached("GATEWAY_SERVICE_ID")
    if not service:
        return None
    match = _gateway_path(app_settings.cached("APP_URL") or "/", service).match(path)
    return match["realm"] if match else None


def protected_realm(path: str) -> str | None:
    """Return the realm of a gateway path unless it is the public realm."""
    realm = realm_from_path(path)
    return None if realm in (None, app_settings.cached("GATEWAY_PUBLIC_REALM")) else realm


class GatewayBackend(BaseBackend):
    """Authenticate ``gateway_token`` for ``realm``: local verification, then map_user."""

    def authenticate(self, request, gateway_token=None, realm=None):  # type: ignore[override]  # Django picks backends by their credentials' names
        if not gateway_token or not realm:
            return None
        try:
            return self.user_for_token(realm, gateway_token)
        except (InvalidToken, ProviderUnavailable):
            return None

    def user_for_token(self, realm: str, token: str):
        """Return the user of ``token``; raise InvalidToken, or ProviderUnavailable (no keys)."""
        user = map_user(realm, verify_access_token(realm, token))
        if user is None:
            raise InvalidToken("no active user for this token")
        return user

    def get_user(self, user_id):
        model = get_user_model()
        user = model._default_manager.filter(pk=user_id).first()
        return user if user is not None and getattr(user, "is_active", True) else None
