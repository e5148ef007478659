"""Users kept in this process for a few seconds, so a returning user costs no query.

Users mapped from claims (found by what identifies them: realm and ``sub``, see
``oidc.users``) and session logins (by primary key, through ``CachedModelBackend``)
share one cache. A change to a user made in this process
drops its entries at once (signals connected in apps.py), and again when the
change commits (another thread may have read the old row meanwhile); other
processes see the change when their entry expires (KEYCLOAK_USER_CACHE_SECONDS /
SESSION_USER_CACHE_SECONDS).
"""

from __future__ import annotations

import copy

from django.contrib.auth import get_user_model
from django.db import transaction

from .cache import TTLCache

local_users = TTLCache()


def forget_user(username: str, pk=None) -> None:
    """Drop the cached entries of a user (called whenever the user row changes)."""
    local_users.pop(username)
    if pk is not None:
        local_users.pop(("pk", str(pk)))
        local_users.pop(("claims", str(pk)))


def mapped_user(key, fingerprint: str | None):
    """Return the cached user found by ``key`` when it was made from the same claims."""
    pk = local_users.get(key)
    entry = local_users.get(("claims", str(pk))) if pk is not None else None
    return entry[1] if entry is not None and entry[0] == fingerprint else None


def keep_mapped_user(key, fingerprint: str | None, user, expires_at: float) -> None:
    """Cache ``user`` under ``key`` (any way of finding it) and its claims' fingerprint.

    The user itself is kept by primary key, so a change to its row drops it whatever key
    found it (the keys only point to the primary key).
    """
    local_users.set(key, user.pk, expires_at)
    local_users.set(("claims", str(user.pk)), (fingerprint, user), expires_at)


def identity_key(realm: str, sub: str) -> tuple[str, str, str]:
    """Return the cache key of the provider account (realm, sub)."""
    return ("oidc", realm, sub)


def forget_identity(sender, instance, **kwargs) -> None:
    """post_save/post_delete receiver for OidcIdentity: the link of an account changed."""
    local_users.pop(identity_key(instance.realm, instance.sub))


def request_copy(user):
    """Return a shallow copy of a cached user, so one request's attributes stay its own."""
    new = user.__class__.__new__(user.__class__)
    new.__dict__ = user.__dict__.copy()
    new._state = copy.copy(user._state)
    return new


def forget_changed_user(sender, instance, using=None, **kwargs) -> None:
    """post_save/post_delete receiver for the user model."""
    _forget_now_and_at_commit([(instance.get_username(), instance.pk)], using)


def forget_members(sender, instance, action, pk_set=None, model=None, using=None,
                   **kwargs) -> None:
    """m2m_changed receiver: drop cached users whose groups or permissions changed."""
    if not action.startswith("post_"):
        return
    user_model = get_user_model()
    if isinstance(instance, user_model):
        _forget_now_and_at_commit([(instance.get_username(), instance.pk)], using)
    elif model is user_model and pk_set:
        users = [(username, pk) for pk, username in user_model._default_manager.using(using)
                 .filter(pk__in=pk_set).values_list("pk", user_model.USERNAME_FIELD)]
        _forget_now_and_at_commit(users, using)


def _forget_now_and_at_commit(users: list[tuple[str, object]], using: str | None) -> None:
    def forget_all() -> None:
        for username, pk in users:
            forget_user(username, pk)

    forget_all()
    transaction.on_commit(forget_all, using=using)
