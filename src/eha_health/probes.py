"""Readiness checks: the built-in ones and the runner that times them out.

A check is a callable taking no arguments (or a class whose instances have a
``check()`` method). It passes by returning (``None`` or a JSON-able detail)
and fails by raising. Other apps contribute checks by dotted path in
``HEALTH_CHECKS``; this module never imports them.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from django.core.cache import caches
from django.db import close_old_connections, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.module_loading import import_string

from .conf import app_settings
from .exceptions import CheckFailed
from .signals import check_finished

logger = logging.getLogger(__name__)

# Checks run on long-lived worker threads: a hung check can be abandoned after
# its timeout without blocking the request, and database connections opened by
# the workers follow CONN_MAX_AGE exactly as request threads do.
_executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="eha-health")
_memo_lock = threading.Lock()
_memo: dict[str, Any] = {"key": None, "until": 0.0, "results": None}


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    ms: float
    error: str = ""
    details: Any = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = "ok" if self.ok else "failed"
        data["ms"] = round(self.ms, 2)
        del data["name"], data["ok"]
        return {key: value for key, value in data.items() if value not in ("", None)}


def database() -> dict[str, str]:
    """Run ``SELECT 1`` on every database alias."""
    failed = []
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as exc:
            failed.append(f"{alias}: {type(exc).__name__}")
    if failed:
        raise CheckFailed("; ".join(failed))
    return {alias: "ok" for alias in connections}


def cache() -> dict[str, str]:
    """Set, read back and delete a key on every cache alias."""
    failed = []
    for alias in caches:
        key, value = f"eha-health:{uuid.uuid4().hex}", uuid.uuid4().hex
        try:
            backend = caches[alias]
            backend.set(key, value, 30)
            if backend.get(key) != value:
                failed.append(f"{alias}: value not read back")
            backend.delete(key)
        except Exception as exc:
            failed.append(f"{alias}: {type(exc).__name__}")
    if failed:
        raise CheckFailed("; ".join(failed))
    return {alias: "ok" for alias in caches}


def migrations() -> None:
    """Fail when the default database has unapplied migrations."""
    executor = MigrationExecutor(connections["default"])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        pending = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        raise CheckFailed(f"{len(plan)} unapplied migration(s): {pending}")


@lru_cache(maxsize=64)
def load_check(path: str) -> tuple[str, Callable[[], Any]]:
    """Return the name and the callable of the check at ``path``."""
    target = import_string(path)
    name = getattr(target, "name", path.rsplit(".", 1)[-1])
    if isinstance(target, type):
        return name, target().check
    return name, target


STARTUP_CHECKS = (
    "eha_health.probes.database",
    "eha_health.probes.cache",
    "eha_health.probes.migrations",
)


def run_startup_checks() -> list[CheckResult]:
    """Run the startup checks (database, every cache, migrations), never memoised."""
    return _run_uncached(STARTUP_CHECKS)


def run_checks() -> list[CheckResult]:
    """Run every configured check at once, each bounded by HEALTH_CHECK_TIMEOUT."""
    memoised = memoised_results()
    if memoised is not None:
        return memoised
    paths = tuple(app_settings.CHECKS)
    results = _run_uncached(paths)
    with _memo_lock:
        _memo.update(key=paths, results=results,
                     until=time.monotonic() + app_settings.CACHE_SECONDS)
    return results


def memoised_results() -> list[CheckResult] | None:
    """Return the results of the last run while HEALTH_CACHE_SECONDS keeps them, else None."""
    paths = tuple(app_settings.CHECKS)
    with _memo_lock:
        if _memo["key"] == paths and time.monotonic() < _memo["until"]:
            return _memo["results"]
    return None


def _run_uncached(paths: tuple[str, ...]) -> list[CheckResult]:
    timeout = app_settings.TIMEOUT
    started = time.perf_counter()
    checks = [load_check(path) for path in paths]
    futures = [(name, _executor.submit(_timed, name, check)) for name, check in checks]
    results = []
    for name, future in futures:
        remaining = max(0.0, timeout - (time.perf_counter() - started))
        try:
            results.append(future.result(timeout=remaining))
        except FutureTimeout:
            logger.warning("health check %s timed out after %ss", name, timeout)
            results.append(CheckResult(name, False, timeout * 1000, f"timed out after {timeout}s"))
    return results


def _timed(name: str, check: Callable[[], Any]) -> CheckResult:
    close_old_connections()
    started = time.perf_counter()
    try:
        details = check()
    except Exception as exc:
        ms = (time.perf_counter() - started) * 1000
        logger.warning("health check %s failed: %s", name, type(exc).__name__)
        check_finished.send(sender=CheckResult, name=name, ok=False, seconds=ms / 1000)
        return CheckResult(name, False, ms, _describe(exc))
    finally:
        close_old_connections()
    ms = (time.perf_counter() - started) * 1000
    check_finished.send(sender=CheckResult, name=name, ok=True, seconds=ms / 1000)
    return CheckResult(name, True, ms, details=details)


def _describe(exc: Exception) -> str:
    if isinstance(exc, CheckFailed):
        return str(exc)
    return type(exc).__name__


def clear_cache() -> None:
    """Forget memoised results (tests, or after reconfiguring checks)."""
    with _memo_lock:
        _memo.update(key=None, until=0.0, results=None)
