"""Prometheus metrics of eha_auth, counted from its audit signals.

Registered in prometheus_client's default registry when prometheus_client is
installed (the ``metrics`` extra); without it, nothing is counted. eha_health's
metrics view serves them.
"""

from __future__ import annotations

from typing import Any

from . import audit

try:
    from prometheus_client import Counter
except ImportError:  # the optional ``metrics`` extra is not installed
    Counter = None  # type: ignore[assignment,misc]  # checked before any use

if Counter is not None:
    AUTH_OUTCOMES = Counter(
        "eha_auth_outcomes", "Logins and refused logins, by method and reason.",
        ["method", "outcome", "reason"])
    KEY_FETCHES = Counter(
        "eha_auth_key_fetches", "Fetches of a realm's signing keys (JWKS), by outcome.",
        ["outcome"])


def count_login(sender: Any, method: str, **fields: Any) -> None:
    AUTH_OUTCOMES.labels(method=method, outcome="login", reason="").inc()


def count_refusal(sender: Any, method: str, reason: str, **fields: Any) -> None:
    AUTH_OUTCOMES.labels(method=method, outcome="refused", reason=reason).inc()


def count_key_fetch(sender: Any, outcome: str, **fields: Any) -> None:
    KEY_FETCHES.labels(outcome=outcome).inc()


def connect() -> None:
    """Count audit events (called from AppConfig.ready); a no-op without prometheus_client."""
    if Counter is None:
        return
    audit.login_succeeded.connect(count_login, dispatch_uid="eha_auth.metrics.login")
    audit.login_refused.connect(count_refusal, dispatch_uid="eha_auth.metrics.refused")
    audit.keys_fetched.connect(count_key_fetch, dispatch_uid="eha_auth.metrics.keys")
