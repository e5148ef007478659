"""The current realm of a request, and realm membership (README, "How the apps meet")."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.http import HttpRequest

from ..conf import app_settings
from ..users import split_username

SESSION_REALM_KEY = "eha_realm"
REALM_HEADER = "Eha-Realm"


def current_realm(request: HttpRequest) -> str | None:
    """Return the realm of ``request``, or None when multi-tenancy is off.

    In order: the ``realm`` URL kwarg, ``request.realm`` (set by a realm
    middleware), the session, the realm cookie, the ``Eha-Realm`` header, and
    finally ``DEFAULT_REALM``. A realm named by the client is only a claim:
    callers check membership before granting anything.
    """
    if not app_settings.MULTITENANCY:
        return None
    match = getattr(request, "resolver_match", None)
    if match is not None and match.kwargs.get("realm"):
        return match.kwargs["realm"]
    return (getattr(request, "realm", None) or _session_realm(request)
            or request.COOKIES.get(app_settings.cached("REALM_COOKIE"))
            or request.headers.get(REALM_HEADER) or app_settings.cached("DEFAULT_REALM"))


def _session_realm(request: HttpRequest) -> str | None:
    session = getattr(request, "session", None)
    return session.get(SESSION_REALM_KEY) if session is not None else None


def set_session_realm(session, realm: str | None) -> None:
    """Keep ``realm`` as the realm the session signed in to; every way in calls this."""
    if realm and session is not None:
        session[SESSION_REALM_KEY] = realm


def user_realms(user) -> set[str]:
    """Return the realms ``user`` belongs to: its username prefix and its Group names."""
    prefix, _ = split_username(user.get_username())
    names = set(user.groups.values_list("name", flat=True)) if user.pk else set()
    return names | ({prefix} if prefix else set())


def is_member(user, realm: str | None, realms: set[str] | None = None) -> bool:
    """Return whether ``user`` may act in ``realm`` (always, when there is no realm)."""
    if realm is None or getattr(user, "is_superuser", False):
        return True
    return realm in (user_realms(user) if realms is None else realms)


def add_to_realm(user, realm: str | None) -> None:
    """Put ``user`` in the Group named as ``realm``."""
    if realm:
        group, _ = Group.objects.get_or_create(name=realm)
        user.groups.add(group)


def keep_user_realm(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: keep the realm a login step put on the user in the session."""
    set_session_realm(getattr(request, "session", None), getattr(user, "eha_realm", None))
