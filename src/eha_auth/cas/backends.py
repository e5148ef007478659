"""CAS backend on django-cas-ng's: users made by the user mapper from the CAS attributes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django_cas_ng.backends import CASBackend as BaseCASBackend
from django_cas_ng.signals import cas_user_authenticated
from django_cas_ng.utils import get_cas_client

from ..accounts.realms import add_to_realm, current_realm
from ..conf import app_settings
from ..oidc.users import USER_FIELD_CLAIMS, map_user
from ..realms import is_valid_realm
from ..users import realm_username
from .http import TimeoutSession


class CASBackend(BaseCASBackend):
    """Verify a CAS ticket with the CAS server and return the (created) user.

    Hooks, each making one decision: ``get_username``, ``get_realm``,
    ``get_groups``, ``user_fields``, ``get_claims``. The user is made and updated by
    KEYCLOAK_USER_MAPPER from the claims (the groups are its roles), then joins the
    realm and the groups. Network errors propagate, so the login view can answer 503.
    """

    def authenticate(self, request: HttpRequest, ticket: str, service: str):  # type: ignore[override]  # Django picks backends by their credentials' names
        client = get_cas_client(service_url=service, request=request)
        client.session = TimeoutSession()
        username, attributes, pgtiou = client.verify_ticket(ticket)
        attributes = dict(attributes or {})
        username = self.get_username(username, attributes)
        if not username:
            return None
        realm = self.get_realm(request, attributes)
        if realm is not None and not is_valid_realm(realm):
            return None  # no such realm can exist: no user, no Group is made for it
        created = not self.user_exists(realm_username(realm, username))
        user = map_user(realm or "", self.get_claims(username, attributes))  # "": no realm
        if user is None:  # inactive, or no usable name (eha_auth.oidc decides)
            return None
        add_to_realm(user, realm)
        self.add_groups(user, self.get_groups(attributes))
        user.eha_realm = realm
        cas_user_authenticated.send(sender=self, user=user, created=created, username=username,
                                    attributes=attributes, pgtiou=pgtiou, ticket=ticket,
                                    service=service, request=request)
        return user

    def get_username(self, username: str | None, attributes: dict[str, Any]) -> str | None:
        """Return the username the CAS server asserted (cleaned), or None."""
        return self.clean_username(username) if username else None

    def get_realm(self, request: HttpRequest, attributes: dict[str, Any]) -> str | None:
        """Return the realm: the CAS_REALM_ATTRIBUTE attribute, else the current realm."""
        if not app_settings.MULTITENANCY:
            return None
        name = app_settings.CAS_REALM_ATTRIBUTE
        value = attributes.get(name) if name else None
        if isinstance(value, list):
            value = value[0] if value else None
        return value if isinstance(value, str) and value else current_realm(request)

    def get_groups(self, attributes: dict[str, Any]) -> list[str]:
        """Return the Group names listed in the CAS_GROUPS_ATTRIBUTE attribute."""
        name = app_settings.CAS_GROUPS_ATTRIBUTE
        value = attributes.get(name) if name else None
        values = value if isinstance(value, list) else [value]
        return [v for v in values if isinstance(v, str) and v]

    def user_fields(self, attributes: dict[str, Any]) -> dict[str, str]:
        """Return the user fields the attributes set (email, first and last name)."""
        return {field: attributes[field] for field in ("email", "first_name", "last_name")
                if isinstance(attributes.get(field), str)}

    def get_claims(self, username: str, attributes: dict[str, Any]) -> dict[str, Any]:
        """Return the claims the user mapper gets: name, user fields, groups as roles."""
        fields = self.user_fields(attributes)
        claims: dict[str, Any] = {claim: fields[name] for name, claim in USER_FIELD_CLAIMS
                                  if name in fields}
        claims.update(preferred_username=username,
                      realm_access={"roles": self.get_groups(attributes)})
        return claims

    def user_exists(self, username: str) -> bool:
        User = get_user_model()
        return User._default_manager.filter(**{User.USERNAME_FIELD: username}).exists()

    def add_groups(self, user, names: list[str]) -> None:
        for name in names:
            user.groups.add(Group.objects.get_or_create(name=name)[0])
