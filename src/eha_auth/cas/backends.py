"""CAS backend on django-cas-ng's: realm-prefixed users, attributes mapped to Groups and realm."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django_cas_ng.backends import CASBackend as BaseCASBackend
from django_cas_ng.signals import cas_user_authenticated
from django_cas_ng.utils import get_cas_client

from ..accounts.realms import add_to_realm, current_realm
from ..conf import app_settings
from ..realms import is_valid_realm
from ..users import realm_username
from .http import TimeoutSession


class CASBackend(BaseCASBackend):
    """Verify a CAS ticket with the CAS server and return the (created) user.

    Hooks, each making one decision: ``get_username``, ``get_realm``,
    ``get_groups``, ``user_fields``. Network errors propagate, so the login view
    can answer 503.
    """

    def authenticate(self, request: HttpRequest, ticket: str, service: str):
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
        user, created = self.get_or_create_user(realm_username(realm, username))
        if not self.user_can_authenticate(user):
            return None
        self.update_user(user, attributes)
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

    def get_or_create_user(self, username: str):
        User = get_user_model()
        user, created = User._default_manager.get_or_create(**{User.USERNAME_FIELD: username})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user, created

    def update_user(self, user, attributes: dict[str, Any]) -> None:
        """Save the user fields that changed."""
        fields = self.user_fields(attributes)
        changed = [name for name, value in fields.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, fields[name])
        if changed:
            user.save(update_fields=changed)

    def add_groups(self, user, names: list[str]) -> None:
        from django.contrib.auth.models import Group

        for name in names:
            user.groups.add(Group.objects.get_or_create(name=name)[0])
