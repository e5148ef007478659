"""A readiness check for eha_health (or anything that runs checks by dotted path).

    HEALTH_CHECKS = [..., "eha_apptoken.health.external_apps"]

It passes with ``{app: "ok"}`` when every external app is reachable and
accepts its service token, and raises ExternalAppsUnavailable otherwise.
"""

from __future__ import annotations

from .conf import app_settings
from .status import external_app_state


class ExternalAppsUnavailable(Exception):
    """Some external app is unreachable or rejects its service token."""


def external_apps() -> dict[str, str]:
    """Check every app in EXTERNAL_APPS; return {app: "ok"} or raise."""
    details, failed = {}, []
    for app in app_settings.EXTERNAL_APPS:
        state = external_app_state(app)
        if not state["reachable"]:
            details[app] = "unreachable"
        elif not state["service_token_valid"]:
            details[app] = "service token rejected"
        else:
            details[app] = "ok"
        if details[app] != "ok":
            failed.append(f"{app}: {details[app]}")
    if failed:
        raise ExternalAppsUnavailable("; ".join(failed))
    return details


external_apps.name = "external_apps"  # type: ignore[attr-defined]  # a function attribute eha_health reads
