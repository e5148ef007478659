"""Prometheus metrics of eha_tenancy, counted from its audit signal.

Registered in prometheus_client's default registry when prometheus_client is
installed (the ``metrics`` extra); without it, nothing is counted.
"""

from __future__ import annotations

from typing import Any

from . import audit

try:
    from prometheus_client import Counter
except ImportError:  # the optional ``metrics`` extra is not installed
    Counter = None  # type: ignore[assignment,misc]  # checked before any use

if Counter is not None:
    REALM_REFUSALS = Counter(
        "eha_tenancy_realm_refusals", "Requests refused their realm, by reason.", ["reason"])


def count_refusal(sender: Any, reason: str, **fields: Any) -> None:
    REALM_REFUSALS.labels(reason=reason).inc()


def connect() -> None:
    """Count refusals (called from AppConfig.ready); a no-op without prometheus_client."""
    if Counter is not None:
        audit.realm_refused.connect(count_refusal, dispatch_uid="eha_tenancy.metrics.refused")
