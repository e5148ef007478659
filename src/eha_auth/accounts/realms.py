"""The current realm of a request, and realm membership (README, "How the apps meet")."""

from __future__ import annotations

from collections.abc import Collection

from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.urls import Resolver404, resolve

from ..conf import app_settings
from ..realms import REALM_HEADER, REALM_SESSION_KEY, is_valid_realm


def current_realm(request: HttpRequest) -> str | None:
    """Return the realm of ``request``, or None when multi-tenancy is off.

    ``request.realm`` when a realm middleware has set it; else, in order: the
    ``realm`` URL kwarg (unless it is GATEWAY_PUBLIC_REALM), the session, the
    realm cookie, the ``Eha-Realm`` header, and finally ``DEFAULT_REALM``. A
    realm named by the client is only a claim: callers check membership (which
    refuses malformed names) before granting anything.
    """
    if not app_settings.MULTITENANCY:
        return None
    realm = getattr(request, "realm", None)
    if realm:
        return realm
    url_realm = _url_realm(request)
    if url_realm and url_realm != app_settings.cached("GATEWAY_PUBLIC_REALM"):
        return url_realm
    session = getattr(request, "session", None)
    return ((session.get(REALM_SESSION_KEY) if session is not None else None)
            or request.COOKIES.get(app_settings.cached("REALM_COOKIE"))
            or request.headers.get(REALM_HEADER) or app_settings.cached("DEFAULT_REALM"))


def _url_realm(request: HttpRequest) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None:  # before URL resolution (in a middleware)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    return match.kwargs.get("realm")


def set_session_realm(session, realm: str | None) -> None:
    """Keep ``realm`` as the realm the session signed in to; every way in calls this."""
    if realm and session is not None:
        session[REALM_SESSION_KEY] = realm


def user_realms(user) -> set[str]:
    """Return the realms ``user`` is a member of: the names of its Groups, nothing else."""
    if not user.pk:
        return set()
    return set(user.groups.values_list("name", flat=True))


def realm_exists(realm: str) -> bool:
    """Return True for DEFAULT_REALM and for realms that have a Group."""
    return (realm == app_settings.cached("DEFAULT_REALM")
            or Group.objects.filter(name=realm).exists())


def is_member(user, realm: str | None, realms: Collection[str] | None = None) -> bool:
    """Return whether ``user`` may act in ``realm`` (always, when there is no realm).

    Membership is the Group named as the realm; superusers may use every
    existing realm while REALM_SUPERUSER_ALL_REALMS is on. A username prefix
    grants nothing. ``realms``: the user's realms when already known (else the
    ``eha_realms`` eha_auth put on a user it loaded, else a query).
    """
    if realm is None:
        return True
    if not is_valid_realm(realm):
        return False
    if getattr(user, "is_superuser", False) and app_settings.REALM_SUPERUSER_ALL_REALMS:
        return realm_exists(realm)
    if realms is None:
        realms = getattr(user, "eha_realms", None)
    return realm in (user_realms(user) if realms is None else realms)


def add_to_realm(user, realm: str | None) -> None:
    """Put ``user`` in the Group named as ``realm``; refuse a malformed realm name."""
    if realm:
        if not is_valid_realm(realm):
            raise ValueError(f"{realm!r} cannot name a realm.")
        group, _ = Group.objects.get_or_create(name=realm)
        user.groups.add(group)


def keep_user_realm(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: keep the realm a login step put on the user in the session."""
    set_session_realm(getattr(request, "session", None), getattr(user, "eha_realm", None))
