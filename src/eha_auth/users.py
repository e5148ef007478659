"""Realm-prefixed usernames: stored as ``{realm}__{name}``, shown without the prefix."""

from __future__ import annotations

SEPARATOR = "__"


def realm_username(realm: str | None, username: str) -> str:
    """Return the stored username of ``username`` in ``realm`` (unchanged without a realm)."""
    if not realm or username.startswith(f"{realm}{SEPARATOR}"):
        return username
    return f"{realm}{SEPARATOR}{username}"


def split_username(stored: str) -> tuple[str | None, str]:
    """Return (realm, name) of a stored username; realm is None when there is no prefix."""
    realm, separator, name = stored.partition(SEPARATOR)
    if not separator or not realm or not name:
        return None, stored
    return realm, name


def display_username(stored: str, realm: str | None = None) -> str:
    """Return the username without its realm prefix (only ``realm``'s, when given)."""
    prefix, name = split_username(stored)
    if prefix is None or (realm is not None and prefix != realm):
        return stored
    return name
