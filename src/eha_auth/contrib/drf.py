"""Django REST framework authentication: gateway tokens, and provider JWTs as Bearer tokens."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from ..backends.gateway import protected_realm
from ..conf import app_settings
from ..middleware import authenticate_gateway, header_token
from ..oidc.errors import InvalidToken, ProviderUnavailable
from ..oidc.tokens import realm_of_token


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
        return _authenticate(request, realm, token)

    def authenticate_header(self, request):
        realm = protected_realm(request._request.path_info) or app_settings.DEFAULT_REALM
        return f'Bearer realm="{realm}"'


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
            raise exceptions.AuthenticationFailed("The token is not valid.") from exc
        expected = protected_realm(request._request.path_info) or getattr(
            request._request, "realm", None)
        if expected and expected != realm:
            raise exceptions.AuthenticationFailed("The token is for another realm.")
        return _authenticate(request, realm, token)

    def authenticate_header(self, request):
        return f'{self.keyword} realm="{app_settings.DEFAULT_REALM}"'


def _authenticate(request, realm: str, token: str):
    try:
        return authenticate_gateway(request._request, realm, token), token
    except InvalidToken as exc:
        raise exceptions.AuthenticationFailed("The token is not valid.") from exc
    except ProviderUnavailable as exc:
        raise ProviderDown() from exc
