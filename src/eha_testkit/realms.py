"""Realms and their members, as the apps see them: a realm is an ``auth.Group`` of its name.

README, "How the apps meet": a user is a member of a realm when it is in the Group named
after it, and eha_auth stores a realm's user ``alice`` as ``<realm>__alice``.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model

#: Separates the realm from the name in stored usernames.
SEPARATOR = "__"


def make_realm(realm: str) -> Any:
    """Return the realm's ``auth.Group``, created when missing."""
    # Through the registry: this module is imported by the pytest plugin before Django is set up.
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=realm)
    return group


def add_member(user: Any, realm: str) -> Any:
    """Make ``user`` a member of ``realm``; return the user."""
    user.groups.add(make_realm(realm))
    return user


def make_user(realm: str, name: str, *, password: str | None = None, **fields: Any) -> Any:
    """Return a member of ``realm`` stored as ``<realm>__<name>``, as a sign-in would make it.

    Without ``password`` the password is unusable, as for users made by a provider login.
    """
    model = get_user_model()
    user = model(**{model.USERNAME_FIELD: f"{realm}{SEPARATOR}{name}"}, **fields)
    user.set_password(password) if password else user.set_unusable_password()
    user.save()
    return add_member(user, realm)
