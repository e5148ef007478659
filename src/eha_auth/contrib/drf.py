"""Django REST framework authentication: gateway tokens and provider JWTs as Bearer tokens,
realm-aware Basic and Token authentication.

DRF imports these classes while it loads ``rest_framework.views``, so this module never
imports ``rest_framework.views``, ``generics`` or ``viewsets`` (the /token view is in
``eha_auth.apitokens.views``).
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    BasicAuthentication,
    get_authorization_header,
)

from ..accounts.realms import current_realm, is_member
from ..apitokens.lookup import find_owner
from ..backends.gateway import protected_realm
from ..conf import app_settings
from ..middleware import authenticate_gateway, header_token
from ..oidc.errors import InvalidToken, ProviderUnavailable
from ..oidc.tokens import realm_of_token
from ..users import realm_username

__all__ = [
    "GatewayAuthentication",
    "KeycloakBearerAuthentication",
    "RealmBasicAuthentication",
    "RealmTokenAuthentication",
]


def _realm_of(request) -> str | None:
    return current_realm(getattr(request, "_request", request))


def _refuse_outsider(user, realm: str | None, realms: set[str] | None = None) -> None:
    if not is_member(user, realm, realms):
        raise exceptions.AuthenticationFailed(f"This user is not a member of realm {realm!r}.")


class RealmBasicAuthentication(BasicAuthentication):
    """HTTP Basic with the plain or realm-prefixed username, for members of the current realm."""

    def authenticate_credentials(self, userid, password, request=None):
        realm = _realm_of(request) if request is not None else None
        django_request = getattr(request, "_request", None)
        for username in dict.fromkeys([realm_username(realm, userid), userid]):
            user = authenticate(django_request, username=username, password=password)
            if user is not None:
                break
        else:
            raise exceptions.AuthenticationFailed("Invalid username or password.")
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        _refuse_outsider(user, realm)
        return (user, None)

    def authenticate_header(self, request) -> str:
        realm = _realm_of(request) or self.www_authenticate_realm
        return f'Basic realm="{realm}"'


class RealmTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>`` for members of the current realm; keys stored hashed."""

    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: one key expected.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token header.") from exc
        return self.authenticate_credentials(key, request)

    def authenticate_credentials(self, key: str, request):
        owner = find_owner(key)
        if owner is None:
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        if not owner.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        _refuse_outsider(owner.user, _realm_of(request), owner.realms)
        return (owner.user, None)

    def authenticate_header(self, request) -> str:
        return self.keyword


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
