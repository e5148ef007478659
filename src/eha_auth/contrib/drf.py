"""Django REST framework support: the only module of eha_auth that imports rest_framework.

Gateway tokens and provider JWTs as Bearer tokens; realm-aware Basic and Token
authentication, and the /token endpoint.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.authentication import (
    BaseAuthentication,
    BasicAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..accounts.realms import add_to_realm, current_realm, is_member
from ..apitokens.lookup import find_owner
from ..backends.gateway import protected_realm
from ..conf import app_settings
from ..middleware import authenticate_gateway, header_token
from ..models import ApiToken
from ..oidc.errors import InvalidToken, ProviderUnavailable
from ..oidc.tokens import realm_of_token
from ..users import display_username, realm_username

__all__ = [
    "GatewayAuthentication",
    "KeycloakBearerAuthentication",
    "RealmBasicAuthentication",
    "RealmTokenAuthentication",
    "TokenView",
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


class TokenView(APIView):
    """GET: whether the user has a token. POST: a new token (the key is shown only here).

    Staff may name another user of their realm (``username``); POST creates that
    user, with an unusable password, when missing.
    """

    authentication_classes = [RealmBasicAuthentication, RealmTokenAuthentication,
                              SessionAuthentication]
    permission_classes = [IsAuthenticated]
    token_name = "api"

    def get(self, request, **kwargs):
        user = self.get_target_user(request, request.query_params.get("username"), create=False)
        exists = ApiToken.objects.active().filter(user=user, name=self.token_name).exists()
        return Response({"username": display_username(user.get_username()),
                         "token_exists": exists})

    def post(self, request, **kwargs):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        with transaction.atomic():
            user = self.get_target_user(request, username, create=True)
            ApiToken.objects.filter(user=user, name=self.token_name).delete()
            token, key = ApiToken.create_for(user, name=self.token_name,
                                             expires=self.get_expiry())
        return Response({"username": display_username(user.get_username()), "token": key,
                         "expires": token.expires}, status=status.HTTP_201_CREATED)

    def get_expiry(self):
        """Return when new tokens expire (API_TOKEN_DEFAULT_DAYS), or None."""
        days = app_settings.API_TOKEN_DEFAULT_DAYS
        return timezone.now() + timedelta(days=days) if days else None

    def get_target_user(self, request, username, *, create: bool):
        """Return the caller, or the user a staff member names in their realm."""
        realm = _realm_of(request)
        if not is_member(request.user, realm):
            raise exceptions.PermissionDenied(f"You are not a member of realm {realm!r}.")
        if not username or realm_username(realm, str(username)) == request.user.get_username():
            return request.user
        if not request.user.is_staff:
            raise exceptions.PermissionDenied("Only staff may ask for another user's token.")
        return self.find_or_create_user(realm_username(realm, str(username)), realm, create)

    def find_or_create_user(self, username: str, realm: str | None, create: bool):
        """Return the named user of ``realm``, created when ``create`` and missing."""
        User = get_user_model()
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        if user is not None:
            if not is_member(user, realm):
                raise exceptions.PermissionDenied(f"That user is not a member of realm {realm!r}.")
            return user
        if not create:
            raise exceptions.NotFound("No such user.")
        try:
            User._meta.get_field(User.USERNAME_FIELD).run_validators(username)
        except ValidationError as exc:
            raise exceptions.ValidationError({"username": "Not a valid username."}) from exc
        user = User._default_manager.create_user(**{User.USERNAME_FIELD: username},
                                                 password=None)
        add_to_realm(user, realm)
        return user


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
