"""Prometheus metrics: how long each health check takes, and the text every app's serve.

Registered in prometheus_client's default registry when prometheus_client is
installed (the ``metrics`` extra); without it, nothing is measured and the
metrics view answers 503.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .conf import app_settings
from .signals import check_finished

client: ModuleType | None
try:
    import prometheus_client as client
    import prometheus_client.multiprocess  # noqa: F401  # makes client.multiprocess available
except ImportError:  # the optional ``metrics`` extra is not installed
    client = None

if client is not None:
    CHECK_SECONDS = client.Histogram(
        "eha_health_check_seconds", "Duration of each health check, by check and outcome.",
        ["check", "outcome"])


def observe_check(sender: Any, name: str, ok: bool, seconds: float, **kwargs: Any) -> None:
    CHECK_SECONDS.labels(check=name, outcome="ok" if ok else "failed").observe(seconds)


def connect() -> None:
    """Measure checks (called from AppConfig.ready); a no-op without prometheus_client."""
    if client is not None:
        check_finished.connect(observe_check, dispatch_uid="eha_health.metrics.checks")


def exposition() -> tuple[bytes, str] | None:
    """Return every app's metrics in Prometheus' text format and its content type.

    None without prometheus_client. With HEALTH_METRICS_MULTIPROC_DIR, the values
    every process wrote there are added up (prometheus_client's multiprocess mode),
    so any worker answers for all of them.
    """
    if client is None:
        return None
    folder = app_settings.METRICS_MULTIPROC_DIR
    registry = client.REGISTRY
    if folder:
        registry = client.CollectorRegistry()
        client.multiprocess.MultiProcessCollector(registry, path=folder)
    return client.generate_latest(registry), client.CONTENT_TYPE_LATEST
