"""Membership: a user is a member of a realm when in the Group named exactly as the realm."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.cache import caches
from django.db import transaction

from .conf import app_settings
from .names import validate_realm
from .requests import realm_of

_CACHE_PREFIX = "eha_tenancy:"
_GENERATION_KEY = f"{_CACHE_PREFIX}generation"


def group_model() -> Any:
    """Return the Group model.

    Through the app registry: this module is imported with the package, before Django
    has loaded the models of django.contrib.auth.
    """
    return apps.get_model("auth", "Group")


def user_realms(user: Any) -> frozenset[str]:
    """Return the names of the groups (realms) of ``user``, cached until they change.

    ``user.eha_realms``, when the authentication that loaded the user set it (README,
    "How the apps meet"), is the answer: no round trip. Otherwise one cache round
    trip per call: the membership generation and the user's entry, stamped with the
    generation it was read under, come in one ``get_many``; an entry from an older
    generation is read again.
    """
    if not user.is_authenticated:
        return frozenset()
    loaded = getattr(user, "eha_realms", None)
    if loaded is not None:
        return frozenset(loaded)
    seconds = app_settings.cached("MEMBERSHIP_CACHE_SECONDS")
    if not seconds:
        return frozenset(user.groups.values_list("name", flat=True))
    return _cached(f"{_CACHE_PREFIX}user:{user.pk}", seconds,
                   lambda: frozenset(user.groups.values_list("name", flat=True)))


def realm_exists(realm: str) -> bool:
    """Return True for DEFAULT_REALM and for realms that have a Group.

    One cache round trip when cached, as for :func:`user_realms`.
    """
    if realm == app_settings.DEFAULT_REALM:
        return True
    seconds = app_settings.cached("MEMBERSHIP_CACHE_SECONDS")
    if not seconds:
        return _group_exists(realm)
    return _cached(f"{_CACHE_PREFIX}realm:{realm}", seconds, lambda: _group_exists(realm))


def _group_exists(realm: str) -> bool:
    return group_model().objects.filter(name=realm).exists()


def _cached(key: str, seconds: int, read: Callable[[], Any]) -> Any:
    """Return the value under ``key`` if stamped with the current generation, else ``read()``."""
    cache = _cache()
    found = cache.get_many([_GENERATION_KEY, key])
    generation = found.get(_GENERATION_KEY) or _generation()
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1]
    value = read()
    cache.set(key, (generation, value), seconds)
    return value


def user_may_use_realm(user: Any, realm: str) -> bool:
    """Return True when ``user`` is a member of ``realm`` (superusers: per setting)."""
    if user.is_superuser and app_settings.cached("SUPERUSER_ALL_REALMS"):
        return realm in getattr(user, "eha_realms", ()) or realm_exists(realm)
    return realm in user_realms(user)


def decided_without_io(user: Any, realm: str) -> bool:
    """Return True when :func:`user_may_use_realm` answers for ``user`` without I/O."""
    realms = getattr(user, "eha_realms", None)
    if realms is None:
        return False
    if user.is_superuser and app_settings.cached("SUPERUSER_ALL_REALMS"):
        return realm in realms or realm == app_settings.DEFAULT_REALM
    return True


def request_may_use_realm(request: Any, user: Any, realm: str) -> bool:
    """Return :func:`user_may_use_realm`, remembered on ``request`` when True."""
    if getattr(request, "_eha_realm_checked", None) == (user.pk, realm):
        return True  # checked earlier in this request (middleware, permission, query)
    if not user_may_use_realm(user, realm):
        return False
    request._eha_realm_checked = (user.pk, realm)
    return True


def request_realm_exists(request: Any, realm: str) -> bool:
    """Return :func:`realm_exists`, remembered on ``request`` when True."""
    if getattr(request, "_eha_realm_exists", None) == realm:
        return True
    if not realm_exists(realm):
        return False
    request._eha_realm_exists = realm
    return True


def forget_memberships(using: str | None = None, **kwargs: Any) -> None:
    """Invalidate every cached membership (connected to group and membership changes).

    At once, and again when the transaction commits: until then other
    connections still read the old rows, and may have cached them meanwhile.
    """
    _move_generation_on()
    transaction.on_commit(_move_generation_on, using=using)


def _move_generation_on() -> None:
    _cache().set(_GENERATION_KEY, _new_generation(), None)


def _generation() -> str:
    return _cache().get_or_set(_GENERATION_KEY, _new_generation, None)


def _new_generation() -> str:
    return uuid.uuid4().hex


def _cache():
    return caches[app_settings.cached("MEMBERSHIP_CACHE")]


def get_auth_group(request_or_realm: Any):
    """Return the Group of a realm, created if missing; None with tenancy off.

    Only for adding users to realms: a realm sent by a client never creates a Group.
    """
    realm = realm_of(request_or_realm)
    if realm is None:
        return None
    return group_model().objects.get_or_create(name=validate_realm(realm))[0]


def add_user_to_realm(request_or_realm: Any, user: Any) -> None:
    """Add ``user`` to a realm (its Group, created if missing); no-op with tenancy off."""
    group = get_auth_group(request_or_realm)
    if group is not None:
        user.groups.add(group)


def remove_user_from_realm(request_or_realm: Any, user: Any) -> None:
    """Remove ``user`` from a realm; no-op with tenancy off."""
    realm = realm_of(request_or_realm)
    if realm is not None:
        user.groups.remove(*user.groups.filter(name=realm))


def check_user_in_realm(request_or_realm: Any, user: Any) -> bool:
    """Return True when ``user`` may use the realm (always with tenancy off)."""
    if not app_settings.MULTITENANCY:
        return True
    realm = realm_of(request_or_realm)
    if realm is None:
        return False  # a request whose realm RealmMiddleware refused
    request = getattr(request_or_realm, "_request", request_or_realm)  # DRF's, or Django's
    if isinstance(request, str):
        return user_may_use_realm(user, realm)
    return request_may_use_realm(request, user, realm)


def filter_users_by_realm(request_or_realm: Any, data: Any) -> Any:
    """Return the users of ``data`` (queryset or manager) who are members of the realm."""
    if not app_settings.MULTITENANCY:
        return data
    realm = realm_of(request_or_realm)
    if realm is None:
        return data.none()  # a request whose realm RealmMiddleware refused
    return data.filter(groups__name=realm)
