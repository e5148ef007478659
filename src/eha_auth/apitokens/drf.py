"""Django REST framework authentication: realm-aware Basic and Token authentication.

DRF imports these classes while it loads ``rest_framework.views``, so this module never
imports ``rest_framework.views``, ``generics`` or ``viewsets`` (the /token view is in
``eha_auth.apitokens.views``).
"""

from __future__ import annotations

from collections.abc import Collection

from django.contrib.auth import authenticate
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    BasicAuthentication,
    get_authorization_header,
)

from .. import audit
from ..accounts.realms import current_realm, is_member
from ..users import realm_username
from .lookup import find_owner

__all__ = ["RealmBasicAuthentication", "RealmTokenAuthentication"]


def _realm_of(request) -> str | None:
    return current_realm(getattr(request, "_request", request))


def _refuse_outsider(user, realm: str | None, realms: Collection[str] | None = None) -> None:
    if not is_member(user, realm, realms):
        audit.refused(None, "api", "not member", realm=realm)
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
            audit.refused(getattr(request, "_request", None), "token", "invalid token")
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        if not owner.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        _refuse_outsider(owner.user, _realm_of(request), owner.realms)
        return (owner.user, None)

    def authenticate_header(self, request) -> str:
        return self.keyword
