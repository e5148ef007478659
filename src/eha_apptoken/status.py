"""The state of an external app: reachable, and accepting its service token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import client, proxy
from .conf import app_settings


def external_app_state(name: str, request: HttpRequest | None = None) -> dict[str, Any]:
    """Return {"reachable", "service_token_valid", "error"} for one app (no secrets)."""
    state: dict[str, Any] = {"reachable": False, "service_token_valid": False}
    try:
        base = proxy.base_url(name, request)
        state["reachable"] = client.service_reachable(name, base)
        if state["reachable"]:
            state["service_token_valid"] = client.token_is_valid(
                name, base, app_settings.app_token(name))
    except (client.RequestException, proxy.BadProxyRequest) as exc:
        state["error"] = type(exc).__name__
    return state
