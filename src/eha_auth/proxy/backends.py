"""Authentication backend for sessions forwarded by an upstream proxy."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from ..accounts.realms import add_to_realm, current_realm
from ..realms import is_valid_realm
from ..users import realm_username


class ProxySessionBackend(ModelBackend):
    """Return the user a decrypted proxy session names: created on first sight, kept up to date.

    Django hands this backend only ``proxy_session=`` credentials (a payload that
    ``eha_auth.proxy.crypto`` has already decrypted and verified).
    """

    create_unknown_user = True

    def authenticate(self, request: HttpRequest | None, proxy_session: dict | None = None):
        if not isinstance(proxy_session, dict):
            return None
        username = self.get_username(proxy_session)
        if not username:
            return None
        realm = current_realm(request) if request is not None else None
        if realm is not None and not is_valid_realm(realm):
            return None  # no such realm can exist: no user, no Group is made for it
        user = self.get_or_create_user(realm_username(realm, username), proxy_session, realm)
        if user is None or not self.user_can_authenticate(user):
            return None
        self.update_user(user, proxy_session)
        return user

    def get_username(self, payload: dict) -> str | None:
        """Return the username the payload names, or None."""
        username = payload.get("username")
        return username if isinstance(username, str) and username.strip() else None

    def get_or_create_user(self, username: str, payload: dict, realm: str | None):
        """Return the stored user, created (in ``realm``) when unknown."""
        User = get_user_model()
        try:
            return User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            if not self.create_unknown_user:
                return None
        user, created = User._default_manager.get_or_create(**{User.USERNAME_FIELD: username})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            add_to_realm(user, realm)
        return user

    def user_fields(self, payload: dict) -> dict[str, str]:
        """Return the user fields the payload sets (email, first and last name)."""
        fields = {}
        if isinstance(payload.get("email"), str):
            fields["email"] = payload["email"][:254]
        full_name = payload.get("full_name")
        if isinstance(full_name, str):
            first, _, last = full_name.strip().partition(" ")
            fields.update(first_name=first[:150], last_name=last.strip()[:150])
        return fields

    def update_user(self, user, payload: dict) -> None:
        """Save the user fields that changed in the payload (no write otherwise)."""
        changed = [name for name, value in self.user_fields(payload).items()
                   if getattr(user, name, value) != value]
        for name in changed:
            setattr(user, name, self.user_fields(payload)[name])
        if changed:
            user.save(update_fields=changed)
