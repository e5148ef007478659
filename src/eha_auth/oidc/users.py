"""From verified claims to a local user: found by (realm, ``sub``), written only on change.

Every way in makes and updates its users here, through the KEYCLOAK_USER_MAPPER class:
Keycloak login, gateway tokens, social login, CAS, upstream proxy sessions call
``map_user(realm, claims)`` with the claims they have (CAS attributes and proxy payloads
put as ``preferred_username``, ``given_name``, ``family_name``, ``email`` and
``realm_access.roles``); ``/token`` and the ``create_user`` / ``setup_admin`` commands
call ``get_or_create_local_user(realm, claims)``. Customise by subclassing the hooks.

A user is named ``{realm}__{preferred_username}`` but found by the provider account it was
made from, an ``OidcIdentity`` (realm, ``sub``), since only ``iss`` and ``sub`` are stable
(OpenID Connect Core section 5.7): a user renamed at the provider keeps their account, and
a new account that reuses an old name never gets the old account.
"""

from __future__ import annotations

import hashlib
import json
import logging
from functools import lru_cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from ..conf import app_settings
from ..models import OidcIdentity
from ..users import realm_username
from .usercache import identity_key, keep_mapped_user, mapped_user, request_copy

logger = logging.getLogger("eha_auth.oidc")
SUB_MAX_LENGTH = OidcIdentity._meta.get_field("sub").max_length or 255
USER_FIELD_CLAIMS = (("first_name", "given_name"), ("last_name", "family_name"),
                     ("email", "email"))


class UserMapper:
    """Map the verified claims of a realm to a local user; subclass a hook to customise."""

    #: Create users seen for the first time (else only existing users get in).
    create_users = True
    #: The claims whose change updates the user row.
    profile_claims = ("preferred_username", "given_name", "family_name", "email")

    def map_user(self, realm: str, claims: dict[str, Any]):
        """Return the active user of ``claims`` in ``realm``, or None."""
        key, fingerprint = self.identify(realm, claims)
        if key is None:
            return None
        user = mapped_user(key, fingerprint)
        if user is None:
            user = self.find_user(realm, claims)
            if user is None:
                return None
            user = keep_mapped_user(key, fingerprint, user,
                                    app_settings.KEYCLOAK_USER_CACHE_SECONDS)
        return request_copy(user) if user.is_active else None

    def identify(self, realm: str, claims: dict[str, Any]) -> tuple[Any, str | None]:
        """Return (cache key, claims hash), computed once per verified token.

        The key is the account, (realm, sub), when ``get_identity`` names one, else the
        username; None when the claims hold no usable username.
        """
        memo = getattr(claims, "memo", None)
        memo_key = (type(self), realm)
        if memo is not None and memo_key in memo:
            return memo[memo_key]
        username = self.get_username(realm, claims)
        sub = self.get_identity(realm, claims) if username else None
        key = identity_key(realm, sub) if sub else username
        found = (key, self.claims_hash(realm, claims) if key else None)
        if memo is not None:
            memo[memo_key] = found
        return found

    def get_identity(self, realm: str, claims: dict[str, Any]) -> str | None:
        """Return the ``sub`` naming the user's account, or None to find the user by name.

        A subject names an account only at its issuer (OpenID Connect Core section 5.7):
        claims of the realm's issuer (every verified token) have one; claims from another
        provider (a social login) are found by username.
        """
        sub, base = claims.get("sub"), app_settings.KEYCLOAK_ISSUER_URL
        if not realm or not base or not isinstance(sub, str) or not sub:
            return None
        return sub if claims.get("iss") == f"{base}/{realm}" else None

    def get_username(self, realm: str, claims: dict[str, Any]) -> str | None:
        """Return the stored username: ``{realm}__{preferred_username}``."""
        name = claims.get("preferred_username")
        if not isinstance(name, str) or not name.strip():
            return None
        username = realm_username(realm, name.strip())
        max_length = get_user_model()._meta.get_field("username").max_length or 150
        return username if len(username) <= max_length else None

    def find_user(self, realm: str, claims: dict[str, Any]):
        """Return the user of ``claims`` from the database: linked, created or updated; or None."""
        username = self.get_username(realm, claims)
        sub = self.get_identity(realm, claims)
        if username is None:
            return None
        if sub is None:
            return self.get_or_create_user(realm, username, claims)
        if len(sub) > SUB_MAX_LENGTH:
            logger.warning("user %s of realm %s refused: sub longer than %d characters",
                           username, realm, SUB_MAX_LENGTH)
            return None
        user = self.linked_user(realm, sub)
        if user is None:
            return self.first_login(realm, sub, username, claims)
        self.rename_user(user, realm, username)
        self.update_user(user, realm, claims)
        return user

    def linked_user(self, realm: str, sub: str):
        """Return the user linked to the account (realm, sub), or None."""
        identity = OidcIdentity.objects.select_related("user").filter(realm=realm, sub=sub).first()
        return identity.user if identity is not None else None

    def first_login(self, realm: str, sub: str, username: str, claims: dict[str, Any]):
        """Return the user of an account seen for the first time, linked to it; or None."""
        try:
            with transaction.atomic():
                user, created = self.link_user(realm, sub, username, claims)
        except IntegrityError:  # linked or created by a concurrent request
            user, created = self.linked_user(realm, sub), False
        if user is not None and not created:
            self.update_user(user, realm, claims)
        return user

    def link_user(self, realm: str, sub: str, username: str,
                  claims: dict[str, Any]) -> tuple[Any, bool]:
        """Link the account to the user named ``username``; return (user or None, created).

        A missing user is created (when ``create_users``). An existing user not yet linked
        in this realm (made before users were linked) is linked. A user linked to another
        account is never handed over: the provider account is new (deleted and created
        again with the same name), so it is refused until an administrator decides.
        """
        model = get_user_model()
        user = model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()
        created = user is None
        if user is None:
            if not self.create_users:
                return None, False
            user = self.create_user(realm, username, claims)
        elif OidcIdentity.objects.filter(realm=realm, user=user).exists():
            logger.warning(
                "user %s of realm %s refused: the local user belongs to another account at "
                "the provider (sub %s is new); delete or rename the local user, or its "
                "OpenID Connect identity, to let this account in", username, realm, sub)
            return None, False
        OidcIdentity.objects.create(realm=realm, sub=sub, user=user)
        return user, created

    def rename_user(self, user, realm: str, username: str) -> None:
        """Follow a rename at the provider, unless another user already has the new name."""
        model = get_user_model()
        old = user.get_username()
        if old == username:
            return
        if model._default_manager.filter(**{model.USERNAME_FIELD: username}).exists():
            logger.warning("user %s of realm %s is now %s at the provider, a name another "
                           "local user has: the username stays %s", old, realm, username, old)
            return
        setattr(user, model.USERNAME_FIELD, username)
        try:
            with transaction.atomic():
                user.save(update_fields=[model.USERNAME_FIELD])
        except IntegrityError:  # taken meanwhile by a concurrent request
            setattr(user, model.USERNAME_FIELD, old)
            logger.warning("user %s of realm %s could not be renamed to %s (name taken)",
                           old, realm, username)
            return
        logger.info("user %s of realm %s renamed to %s, as at the provider", old, realm, username)

    def get_user_fields(self, claims: dict[str, Any]) -> dict[str, str]:
        """Return the user fields copied from the claims.

        Only the claims present count: a way in that does not carry a claim (a CAS server
        releasing no email) leaves its field as it is.
        """
        model = get_user_model()
        fields = {name: claims[claim] for name, claim in USER_FIELD_CLAIMS if claim in claims}
        lengths = {name: getattr(model._meta.get_field(name), "max_length", None)
                   for name in fields}
        return {name: str(value or "")[: lengths[name]] for name, value in fields.items()}

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
        """Return the user named ``username`` (created when missing): claims without a subject."""
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

    def get_or_create_local_user(self, realm: str | None,
                                 claims: dict[str, Any]) -> tuple[Any, bool]:
        """Return (user, created) for a user an administrator names (``/token``, commands).

        A missing user is made by ``create_user`` (``create_users`` is for sign-ins, not
        for administrators); an existing one is returned as it is, since these claims hold
        no roles to map. The user is None when the claims hold no usable username.
        """
        username = self.get_username(realm or "", claims)
        if username is None:
            return None, False
        model = get_user_model()
        user = model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()
        if user is not None:
            return user, False
        return self.create_user(realm or "", username, claims), True

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
