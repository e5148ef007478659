"""Passing the realm on to other services: the ``Eha-Realm`` header of outgoing calls."""

from __future__ import annotations

from typing import Any

from .conf import REALM_HEADER, app_settings
from .requests import get_current_realm


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
