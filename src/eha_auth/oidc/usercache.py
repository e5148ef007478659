"""Users shared by every worker through the shared cache, each with its realms.

Users mapped from claims (found by what identifies them: realm and ``sub``, see
``oidc.users``) and session logins (by primary key, through ``CachedModelBackend``)
are kept in the shared cache (``oidc.shared``) for KEYCLOAK_USER_CACHE_SECONDS /
SESSION_USER_CACHE_SECONDS, together with ``eha_realms``: the names of the user's
Groups, the realms eha_tenancy reads without a query of its own (README, "How the apps
meet"). Saving or deleting the user, changing its groups, renaming or deleting one of
its Groups deletes its entries at once and again when the change commits (signals
connected in apps.py); each worker also remembers an entry for at most
AUTH_MEMO_SECONDS, so every worker refuses a changed user within that bound.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from django.contrib.auth import get_user_model

from ..conf import app_settings
from ..models import OidcIdentity
from . import shared

USER_PREFIX = "eha_auth:user:"
local_users = shared.memo  # what this process remembers (tests clear it)


def entry_key(key: Any) -> str:
    """Return the shared-cache key of a way of finding a user (username, pk, account)."""
    return USER_PREFIX + hashlib.sha256(repr(key).encode()).hexdigest()[:40]


def pk_key(pk: Any) -> tuple[str, str]:
    return ("pk", str(pk))


def identity_key(realm: str, sub: str) -> tuple[str, str, str]:
    """Return the cache key of the provider account (realm, sub)."""
    return ("oidc", realm, sub)


def realm_names(user) -> frozenset[str]:
    """Return the names of the user's Groups (its realms), read from the database."""
    if not user.pk or not hasattr(user, "groups"):
        return frozenset()
    return frozenset(user.groups.values_list("name", flat=True))


def mapped_user(key, fingerprint: str | None):
    """Return the shared user found by ``key`` when it was made from the same claims."""
    entry = shared.get(entry_key(key))
    return entry[1] if entry is not None and entry[0] == fingerprint else None


def keep_mapped_user(key, fingerprint: str | None, user, seconds: float):
    """Share ``user``, with its ``eha_realms``, under ``key`` for ``seconds``; return it."""
    user.eha_realms = realm_names(user)
    shared.put(entry_key(key), (fingerprint, user), seconds)
    return user


def forget_user(username: str, pk=None, using: str | None = None) -> None:
    """Drop the shared entries of a user, now and at commit (whenever its row changes)."""
    keys: list[Any] = [username]
    if pk is not None:
        keys.append(pk_key(pk))
        keys += [identity_key(realm, sub) for realm, sub in OidcIdentity.objects.using(using)
                 .filter(user_id=pk).values_list("realm", "sub")]
    shared.forget([entry_key(key) for key in keys], using=using)


def forget_identity(sender, instance, using=None, **kwargs) -> None:
    """post_save/post_delete receiver for OidcIdentity: the link of an account changed."""
    shared.forget([entry_key(identity_key(instance.realm, instance.sub))], using=using)


def request_copy(user):
    """Return a shallow copy of a cached user, so one request's attributes stay its own."""
    new = user.__class__.__new__(user.__class__)
    new.__dict__ = user.__dict__.copy()
    new._state = copy.copy(user._state)
    return new


def forget_changed_user(sender, instance, using=None, **kwargs) -> None:
    """post_save/post_delete receiver for the user model."""
    forget_user(instance.get_username(), instance.pk, using)


def forget_members(sender, instance, action, pk_set=None, model=None, using=None,
                   **kwargs) -> None:
    """m2m_changed receiver: drop shared users whose groups or permissions changed."""
    if not action.startswith("post_"):
        return
    user_model = get_user_model()
    if isinstance(instance, user_model):
        forget_user(instance.get_username(), instance.pk, using)
    elif model is user_model and pk_set:
        _forget_users(user_model._default_manager.using(using).filter(pk__in=pk_set), using)


def forget_group_members(sender, instance, using=None, **kwargs) -> None:
    """Group post_save/pre_delete receiver: a renamed or deleted realm changes its members."""
    if instance.pk is not None:
        _forget_users(get_user_model()._default_manager.using(using)
                      .filter(groups__pk=instance.pk), using)


def _forget_users(users, using: str | None) -> None:
    field = get_user_model().USERNAME_FIELD
    for pk, username in users.values_list("pk", field):
        forget_user(username, pk, using)


class SharedSessionUsers:
    """Backend mixin: ``get_user`` (a session's user) from the shared cache, with its realms.

    The entry is kept SESSION_USER_CACHE_SECONDS; a warm request makes one round trip or
    none (AUTH_MEMO_SECONDS). ``load_user`` reads the user from the database.
    """

    def load_user(self, user_id):
        """Return the user ``user_id`` from the database, or None."""
        raise NotImplementedError

    def get_user(self, user_id):
        """Return the active user ``user_id`` (a request's own copy), or None."""
        user = mapped_user(pk_key(user_id), None)
        if user is None:
            user = self.load_user(user_id)
            if user is None:
                return None
            user = keep_mapped_user(pk_key(user_id), None, user,
                                    app_settings.SESSION_USER_CACHE_SECONDS)
        return request_copy(user) if getattr(user, "is_active", True) else None

    async def aget_user(self, user_id):
        """Return the user from this worker's memory on the event loop, else from a thread."""
        return await shared.run_warm(self.get_user, user_id)
