"""Django REST framework authentication by the gateway's token header.

DRF imports this module while it loads ``rest_framework.views``: it never imports
``rest_framework.views``, ``generics`` or ``viewsets``.
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from ..conf import app_settings
from ..oidc.errors import InvalidToken, ProviderUnavailable
from .backends import protected_realm
from .middleware import authenticate_gateway, header_token

__all__ = ["GatewayAuthentication"]


class ProviderDown(exceptions.APIException):
    status_code = 503
    default_detail = "The identity provider cannot be reached."
    default_code = "provider_unavailable"


class GatewayAuthentication(BaseAuthentication):
    """The gateway's token (GATEWAY_HEADER_TOKEN) on /<realm>/<GATEWAY_SERVICE_ID>/ paths.

    Other paths and the public realm are left to the other classes (returns None).
    """

    def authenticate(self, request):
        done = getattr(request._request, "_eha_gateway", None)
        if done is not None:  # GatewayAuthenticationMiddleware verified it already
            return done
        realm = protected_realm(request._request.path_info)
        if realm is None:
            return None
        token = header_token(request._request)
        if not token:
            raise exceptions.NotAuthenticated()
        return authenticate_token(request, realm, token)

    def authenticate_header(self, request):
        realm = protected_realm(request._request.path_info) or app_settings.DEFAULT_REALM
        return f'Bearer realm="{realm}"'


def authenticate_token(request, realm: str, token: str):
    """Return ``(user, token)`` for a provider JWT of ``realm``; raise DRF's exceptions."""
    try:
        return authenticate_gateway(request._request, realm, token), token
    except InvalidToken as exc:
        raise exceptions.AuthenticationFailed("The token is not valid.") from exc
    except ProviderUnavailable as exc:
        raise ProviderDown() from exc
