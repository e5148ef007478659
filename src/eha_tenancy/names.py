"""Realm names: the rule a realm name follows, and running code inside a named realm."""

from __future__ import annotations

import re
from typing import Any

from .exceptions import InvalidRealm
from .state import Activation

MAX_LENGTH = 63
# Letters, digits and . _ - inside; a letter or digit at both ends; ASCII only.
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?", re.ASCII)


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


def realm_context(realm: str) -> Activation:
    """Return a context manager (or decorator) running code inside ``realm``."""
    return Activation(validate_realm(realm))
