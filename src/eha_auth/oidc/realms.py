"""Which realms are allowed, and the issuer each realm's tokens must carry."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..conf import app_settings
from ..realms import is_valid_realm
from .errors import UnknownRealm


def is_allowed_realm(realm: str | None) -> bool:
    """Return whether users may come from ``realm``."""
    if not is_valid_realm(realm) or (
            realm == app_settings.cached("GATEWAY_PUBLIC_REALM")):
        return False
    resolver = app_settings.cached("KEYCLOAK_REALM_RESOLVER")
    if resolver:
        try:
            return bool(import_string(resolver)(realm))
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"KEYCLOAK_REALM_RESOLVER {resolver!r} cannot be imported.") from exc
    return realm in (app_settings.cached("KEYCLOAK_REALMS") or ())


def check_realm(realm: str | None) -> str:
    """Return ``realm`` when allowed, else raise UnknownRealm."""
    if realm is None or not is_allowed_realm(realm):
        raise UnknownRealm("realm not allowed")
    return realm


def issuer(realm: str) -> str:
    """Return the exact ``iss`` of ``realm``'s tokens (built from settings only)."""
    base = app_settings.KEYCLOAK_ISSUER_URL
    if not base:
        raise ImproperlyConfigured("Set KEYCLOAK_SERVER_URL (the provider up to /realms).")
    return f"{base}/{realm}"


def realm_of_issuer(iss: object) -> str | None:
    """Return the allowed realm whose issuer is exactly ``iss``, else None."""
    base = app_settings.KEYCLOAK_ISSUER_URL
    if not base or not isinstance(iss, str) or not iss.startswith(base + "/"):
        return None
    realm = iss[len(base) + 1:]
    return realm if is_allowed_realm(realm) and issuer(realm) == iss else None


def realm_in_issuer(iss: object) -> str | None:
    """Return the allowed realm ``iss`` names as ``.../realms/<realm>``, whatever its URL."""
    if not isinstance(iss, str) or "/realms/" not in iss:
        return None
    realm = iss.rsplit("/realms/", 1)[1]
    return realm if is_allowed_realm(realm) else None
