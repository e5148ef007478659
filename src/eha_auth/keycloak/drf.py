"""Django REST framework authentication by a provider JWT as a Bearer token.

DRF imports this module while it loads ``rest_framework.views``: it never imports
``rest_framework.views``, ``generics`` or ``viewsets``.
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .. import audit
from ..conf import app_settings
from ..gateway.backends import protected_realm
from ..gateway.drf import authenticate_token
from ..oidc.errors import InvalidToken
from ..oidc.tokens import realm_of_token

__all__ = ["KeycloakBearerAuthentication"]


class KeycloakBearerAuthentication(BaseAuthentication):
    """``Authorization: Bearer <provider JWT>`` for API clients that skip the gateway.

    The token's realm is the allowed realm whose issuer signed it; on a gateway path, or
    with ``request.realm`` set, it must be that realm.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid Bearer header.")
        try:
            token = parts[1].decode("ascii")
            realm = realm_of_token(token)
        except (UnicodeDecodeError, InvalidToken) as exc:
            audit.refused(request._request, "bearer", "invalid token")
            raise exceptions.AuthenticationFailed("The token is not valid.") from exc
        expected = protected_realm(request._request.path_info) or getattr(
            request._request, "realm", None)
        if expected and expected != realm:
            audit.refused(request._request, "bearer", "other realm", realm=expected)
            raise exceptions.AuthenticationFailed("The token is for another realm.")
        return authenticate_token(request, realm, token)

    def authenticate_header(self, request):
        return f'{self.keyword} realm="{app_settings.DEFAULT_REALM}"'
