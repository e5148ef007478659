"""Cache keys that include the realm, so cached data of one realm never reaches another."""

from __future__ import annotations

from .conf import app_settings
from .state import get_active_realm

NO_REALM = "~"


def realm_cache_key(key: str, realm: str | None = None) -> str:
    """Return ``key`` prefixed with a realm (the active one by default)."""
    if not app_settings.MULTITENANCY:
        return key
    return f"realm:{realm or get_active_realm() or NO_REALM}:{key}"


def make_key(key: str, key_prefix: str, version: int) -> str:
    """A KEY_FUNCTION for CACHES: Django's key with the active realm in it.

    Keys of eha_tenancy itself (membership) are shared by every realm.
    """
    if not key.startswith("eha_tenancy:"):
        key = realm_cache_key(key)
    return f"{key_prefix}:{version}:{key}"
