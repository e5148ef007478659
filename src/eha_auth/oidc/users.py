"""From verified claims to a local user: realm-prefixed, written only when claims change.

Keycloak login, gateway tokens, and any other OpenID way in (social login, CAS) share
``UserMapper.map_user(realm, claims)``; customise it by subclassing its hooks and naming
the subclass in KEYCLOAK_USER_MAPPER.
"""

from __future__ import annotations

import hashlib
import json
import time
from functools import lru_cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from ..conf import app_settings
from ..usercache import local_users, request_copy
from ..users import realm_username


class UserMapper:
    """Map the verified claims of a realm to a local user; subclass a hook to customise."""

    #: Create users seen for the first time (else only existing users get in).
    create_users = True
    #: The claims whose change updates the user row.
    profile_claims = ("preferred_username", "given_name", "family_name", "email")

    def map_user(self, realm: str, claims: dict[str, Any]):
        """Return the active user of ``claims`` in ``realm``, or None."""
        username, fingerprint = self.identify(realm, claims)
        if not username:
            return None
        cached = local_users.get(username)
        if cached is not None and cached[0] == fingerprint:
            user = cached[1]
        else:
            user = self.get_or_create_user(realm, username, claims)
            if user is None:
                return None
            local_users.set(username, (fingerprint, user),
                            time.time() + app_settings.KEYCLOAK_USER_CACHE_SECONDS)
        return request_copy(user) if user.is_active else None

    def identify(self, realm: str, claims: dict[str, Any]) -> tuple[str | None, str | None]:
        """Return (username, claims hash), computed once per verified token."""
        memo = getattr(claims, "memo", None)
        key = (type(self), realm)
        if memo is not None and key in memo:
            return memo[key]
        username = self.get_username(realm, claims)
        found = (username, self.claims_hash(realm, claims) if username else None)
        if memo is not None:
            memo[key] = found
        return found

    def get_username(self, realm: str, claims: dict[str, Any]) -> str | None:
        """Return the stored username: ``{realm}__{preferred_username}``."""
        name = claims.get("preferred_username")
        if not isinstance(name, str) or not name.strip():
            return None
        username = realm_username(realm, name.strip())
        max_length = get_user_model()._meta.get_field("username").max_length or 150
        return username if len(username) <= max_length else None

    def get_user_fields(self, claims: dict[str, Any]) -> dict[str, str]:
        """Return the user fields copied from the claims."""
        model = get_user_model()
        fields = {"first_name": claims.get("given_name"), "last_name": claims.get("family_name"),
                  "email": claims.get("email")}
        return {name: str(value or "")[: model._meta.get_field(name).max_length]
                for name, value in fields.items()}

    def claims_hash(self, realm: str, claims: dict[str, Any]) -> str:
        """Return a digest of what the user row is made of."""
        relevant = {key: claims.get(key) for key in self.profile_claims}
        relevant["roles"] = self.get_roles(claims)
        return hashlib.sha256(json.dumps([realm, relevant], sort_keys=True,
                                         default=str).encode()).hexdigest()

    def get_roles(self, claims: dict[str, Any]) -> list[str]:
        """Return the realm roles in the claims (Keycloak's ``realm_access.roles``)."""
        roles = (claims.get("realm_access") or {}).get("roles") if isinstance(
            claims.get("realm_access"), dict) else None
        return sorted(role for role in roles or [] if isinstance(role, str))

    def get_or_create_user(self, realm: str, username: str, claims: dict[str, Any]):
        model = get_user_model()
        user = model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()
        if user is None:
            if not self.create_users:
                return None
            try:
                with transaction.atomic():
                    return self.create_user(realm, username, claims)
            except IntegrityError:  # created by a concurrent request
                user = model._default_manager.get(**{model.USERNAME_FIELD: username})
        self.update_user(user, realm, claims)
        return user

    def create_user(self, realm: str, username: str, claims: dict[str, Any]):
        """Create the user, add it to the realm's Group, then map its roles."""
        model = get_user_model()
        user = model(**{model.USERNAME_FIELD: username}, **self.get_user_fields(claims))
        user.set_unusable_password()
        user.save()
        if realm:  # a social login without a realm (MULTITENANCY off) joins no Group
            group, _ = Group.objects.get_or_create(name=realm)
            user.groups.add(group)
        changed = self.map_roles(user, realm, claims)
        if changed:
            user.save(update_fields=sorted(set(changed)))
        return user

    def update_user(self, user, realm: str, claims: dict[str, Any]) -> None:
        """Write the fields that differ from the claims (nothing when none does)."""
        changed = [name for name, value in self.get_user_fields(claims).items()
                   if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, self.get_user_fields(claims)[name])
        changed += self.map_roles(user, realm, claims)
        if changed:
            user.save(update_fields=sorted(set(changed)))

    def map_roles(self, user, realm: str, claims: dict[str, Any]) -> list[str]:
        """Apply the token's roles to ``user``; return the changed field names (none here).

        Override to set ``is_staff`` or Group membership from ``get_roles(claims)``.
        """
        return []


@lru_cache(maxsize=8)
def _mapper_class(path: str) -> type[UserMapper]:
    try:
        return import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"KEYCLOAK_USER_MAPPER {path!r} cannot be imported.") from exc


def get_user_mapper() -> UserMapper:
    """Return an instance of the KEYCLOAK_USER_MAPPER class."""
    return _mapper_class(app_settings.cached("KEYCLOAK_USER_MAPPER"))()


def map_user(realm: str, claims: dict[str, Any]):
    """Return the user of verified ``claims`` in ``realm`` through KEYCLOAK_USER_MAPPER."""
    return get_user_mapper().map_user(realm, claims)
