"""The realm rules eha_auth shares with the other apps (README, "How the apps meet").

Kept in step with eha_tenancy's copy by tests/test_contract.py.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, BaseCache, caches
from django.core.cache.backends.base import default_key_func

REALM_SESSION_KEY = "eha_realm"
REALM_HEADER = "Eha-Realm"
MAX_LENGTH = 63
# Letters, digits and . _ - inside; a letter or digit at both ends; ASCII only.
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?", re.ASCII)


def is_valid_realm(name: Any) -> bool:
    """Return True when ``name`` can name a realm (a Group, a URL part, a username prefix).

    No ``__``: it separates the realm from the name in stored usernames.
    """
    return (isinstance(name, str) and _NAME.fullmatch(name) is not None
            and ".." not in name and "__" not in name)


def shared_cache(alias: str = DEFAULT_CACHE_ALIAS) -> BaseCache:
    """Return cache ``alias`` with Django's default key function, whatever its KEY_FUNCTION.

    For keys read across realms (logout markers, token stamps): a KEY_FUNCTION
    that adds the active realm (``eha_tenancy.cache.make_key``) would hide a key
    written in one realm from a request in another. A shallow copy shares the
    backend's storage and connections; only the key function differs.
    """
    cache = caches[alias]
    if cache.key_func is default_key_func:
        return cache
    shared = copy.copy(cache)
    shared.key_func = default_key_func
    return shared
