"""Realm names, the realm of a request, membership (a Group named as the realm), helpers."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest
from django.urls import Resolver404, resolve

from .conf import REALM_HEADER, SESSION_KEY, app_settings
from .exceptions import InvalidRealm, RealmRequired
from .state import get_active_realm

MAX_LENGTH = 63
# Letters, digits and . _ - inside; a letter or digit at both ends; ASCII only.
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?", re.ASCII)
_CACHE_PREFIX = "eha_tenancy:"
_GENERATION_KEY = f"{_CACHE_PREFIX}generation"


def is_valid_realm(name: Any) -> bool:
    """Return True when ``name`` can name a realm (and so a Group and a URL part)."""
    return (isinstance(name, str) and _NAME.fullmatch(name) is not None
            and ".." not in name and "__" not in name)


def validate_realm(name: Any) -> str:
    """Return ``name`` when it can name a realm, else raise InvalidRealm."""
    if not is_valid_realm(name):
        raise InvalidRealm(
            f"A realm name has 1 to {MAX_LENGTH} ASCII letters, digits, '.', '_' or '-', "
            "starts and ends with a letter or digit, and holds no '..' or '__'.")
    return name


# The realm of a request.

def requested_realm(request: HttpRequest, url_realm: str | None = None) -> str:
    """Return the realm a request asks for, unchecked.

    In order: the ``realm`` URL kwarg (unless it is GATEWAY_PUBLIC_REALM), the
    session, the REALM_COOKIE cookie, the ``Eha-Realm`` header, DEFAULT_REALM.
    """
    if url_realm and url_realm != app_settings.cached("GATEWAY_PUBLIC_REALM"):
        return url_realm
    session = getattr(request, "session", None)
    return ((session.get(SESSION_KEY) if session is not None else None)
            or request.COOKIES.get(app_settings.cached("REALM_COOKIE"))
            or request.headers.get(REALM_HEADER) or app_settings.cached("DEFAULT_REALM"))


def get_current_realm(request: Any = None, default_realm: str | None = None) -> str | None:
    """Return the realm of ``request`` (the active realm without one); None with tenancy off."""
    if not app_settings.MULTITENANCY:
        return None
    if request is None:
        return get_active_realm() or default_realm or app_settings.DEFAULT_REALM
    try:
        return request.realm  # RealmMiddleware's verdict: None when it refused the realm
    except AttributeError:
        pass
    realm = requested_realm(request, _url_realm(request))
    if default_realm and realm == app_settings.DEFAULT_REALM:
        return default_realm
    return realm


def _url_realm(request: Any) -> str | None:
    try:
        return resolve(request.path_info).kwargs.get("realm")
    except Resolver404:
        return None


def realm_of(request_or_realm: Any) -> str | None:
    """Return the realm named by a string, or the realm of a request; None with tenancy off."""
    if not app_settings.MULTITENANCY:
        return None
    if isinstance(request_or_realm, str):
        return validate_realm(request_or_realm)
    return get_current_realm(request_or_realm)


# Membership: a Group named exactly as the realm.

def user_realms(user: Any) -> frozenset[str]:
    """Return the names of the groups (realms) of ``user``, cached until they change.

    One cache round trip per call: the membership generation and the user's
    entry, stamped with the generation it was read under, come in one
    ``get_many``; an entry from an older generation is read again.
    """
    if not user.is_authenticated:
        return frozenset()
    seconds = app_settings.cached("MEMBERSHIP_CACHE_SECONDS")
    if not seconds:
        return frozenset(user.groups.values_list("name", flat=True))
    cache, key = _cache(), f"{_CACHE_PREFIX}user:{user.pk}"
    found = cache.get_many([_GENERATION_KEY, key])
    generation = found.get(_GENERATION_KEY) or _generation()
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1]
    names = frozenset(user.groups.values_list("name", flat=True))
    cache.set(key, (generation, names), seconds)
    return names


def realm_exists(realm: str) -> bool:
    """Return True for DEFAULT_REALM and for realms that have a Group."""
    if realm == app_settings.DEFAULT_REALM:
        return True
    from django.contrib.auth.models import Group

    key = f"{_CACHE_PREFIX}realm:{_generation()}:{realm}"
    seconds = app_settings.MEMBERSHIP_CACHE_SECONDS
    if seconds:
        cached = _cache().get(key)
        if cached is not None:
            return cached
    exists = Group.objects.filter(name=realm).exists()
    if seconds:
        _cache().set(key, exists, seconds)
    return exists


def user_may_use_realm(user: Any, realm: str) -> bool:
    """Return True when ``user`` is a member of ``realm`` (superusers: per setting)."""
    if user.is_superuser and app_settings.cached("SUPERUSER_ALL_REALMS"):
        return realm_exists(realm)
    return realm in user_realms(user)


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
    from django.contrib.auth.models import Group

    return Group.objects.get_or_create(name=validate_realm(realm))[0]


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
    if getattr(request, "_eha_realm_checked", None) == (user.pk, realm):
        return True  # the middleware checked this user for this realm
    return user_may_use_realm(user, realm)


def filter_users_by_realm(request_or_realm: Any, data: Any) -> Any:
    """Return the users of ``data`` (queryset or manager) who are members of the realm."""
    if not app_settings.MULTITENANCY:
        return data
    realm = realm_of(request_or_realm)
    if realm is None:
        return data.none()  # a request whose realm RealmMiddleware refused
    return data.filter(groups__name=realm)


# Realm models.

def realm_lookup(model: Any, mt_field: str | None = None) -> str:
    """Return the lookup path from ``model`` to its realm column."""
    from .models import MtModelAbstract

    if mt_field:
        return f"{mt_field}__realm"
    if issubclass(model, MtModelAbstract):
        return "realm"
    path = getattr(model, "mt_field", None)
    if path:
        return f"{path}__realm"
    raise ImproperlyConfigured(
        f"{model.__name__} has no realm: extend MtModelAbstract or MtModelChildAbstract "
        "(with mt_field), or give mt_field.")


def filter_by_realm(request_or_realm: Any, data: Any, mt_field: str | None = None) -> Any:
    """Return ``data`` (queryset or manager) limited to the realm; unchanged with tenancy off."""
    if not app_settings.MULTITENANCY:
        return data
    realm = realm_of(request_or_realm) if request_or_realm is not None else get_active_realm()
    if realm is None:
        raise RealmRequired
    from .models import limit_to_realm

    return limit_to_realm(data.all(), realm_lookup(data.model, mt_field), realm)


def is_accessible_by_realm(request_or_realm: Any, obj: Any) -> bool:
    """Return True when ``obj`` belongs to the realm (always with tenancy off)."""
    if not app_settings.MULTITENANCY:
        return True
    is_accessible = getattr(obj, "is_accessible", None)
    if is_accessible is None:
        return True
    return bool(is_accessible(realm_of(request_or_realm)))


# Passing the realm on to other services.

def add_current_realm_in_headers(request: Any, headers: dict | None = None) -> dict | None:
    """Return ``headers`` with ``Eha-Realm`` set to the request's realm (tenancy on)."""
    realm = get_current_realm(request)
    if realm is None:
        return headers
    return {**(headers or {}), REALM_HEADER: realm}


def add_instance_realm_in_headers(instance: Any, headers: dict | None = None) -> dict | None:
    """Return ``headers`` with ``Eha-Realm`` set to the realm of ``instance`` (tenancy on)."""
    realm = instance.get_realm() if app_settings.MULTITENANCY else None
    if realm is None:
        return headers
    return {**(headers or {}), REALM_HEADER: realm}
