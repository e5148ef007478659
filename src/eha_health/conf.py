"""Settings of eha_health, read from django.conf.settings on every access."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULT_CHECKS = [
    "eha_health.probes.database",
    "eha_health.probes.cache",
    "eha_health.probes.migrations",
]


class HealthSettings:
    """One property per setting, with its default."""

    @property
    def CHECKS(self) -> list[str]:
        """Dotted paths of the readiness checks (callables, or classes with ``check()``)."""
        return getattr(settings, "HEALTH_CHECKS", DEFAULT_CHECKS)

    @property
    def TIMEOUT(self) -> float:
        """Seconds one readiness check may take before it is reported failed."""
        return getattr(settings, "HEALTH_CHECK_TIMEOUT", 5.0)

    @property
    def CACHE_SECONDS(self) -> float:
        """Seconds readiness results are reused, so probes cannot overload backends."""
        return getattr(settings, "HEALTH_CACHE_SECONDS", 3.0)

    @property
    def SHOW_DETAILS(self) -> bool:
        """Show per-check details to everyone, not only to staff."""
        return getattr(settings, "HEALTH_SHOW_DETAILS", False)

    @property
    def URL_PREFIXES(self) -> list[str]:
        """Path prefixes the middleware also answers under (APP_URL by default)."""
        default = [getattr(settings, "APP_URL", "/")]
        return getattr(settings, "HEALTH_URL_PREFIXES", default)

    @property
    def GATEWAY_SERVICE_ID(self) -> str | None:
        """With a gateway, health paths are also answered under /<realm>/<service>/."""
        return getattr(settings, "GATEWAY_SERVICE_ID", None)

    @property
    def METRICS_TOKEN(self) -> str | None:
        """Bearer token that may read /metrics besides staff sessions (None: staff only)."""
        return getattr(settings, "HEALTH_METRICS_TOKEN", None)

    @property
    def METRICS_MULTIPROC_DIR(self) -> str | None:
        """prometheus_client's multiprocess folder: /metrics adds up every process's files."""
        return getattr(settings, "HEALTH_METRICS_MULTIPROC_DIR", None)

    @property
    def APP_INFO(self) -> dict[str, Any]:
        """What /check-app reports."""
        return {
            "app_name": getattr(settings, "APP_NAME", "eha"),
            "app_version": getattr(settings, "APP_VERSION", "#.#.#"),
            "app_revision": getattr(settings, "APP_REVISION", "---"),
        }


app_settings = HealthSettings()
