"""Entries every worker reads from the shared cache, remembered here for at most a second.

The shared cache (AUTH_CACHE_ALIAS, default "default") holds the authoritative entry
(a user with its realms, a token's owner, a back-channel logout marker). Each process
remembers what it read for AUTH_MEMO_SECONDS (at most 1, a system check refuses more),
so most warm requests make no round trip at all, and the others make one ``get_many``.
A change deletes the entries at once and again when it commits (a worker may have read
the old row in between): every worker refuses a changed user within AUTH_MEMO_SECONDS.

Under ASGI, ``memo_only()`` lets a middleware try the warm path on the event loop: a
read the memo cannot answer raises ``NeedsIO`` instead of blocking, and the middleware
runs again in a thread.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends.signed_cookies import SessionStore as CookieSession
from django.core.exceptions import SynchronousOnlyOperation
from django.db import transaction

from ..conf import app_settings
from ..realms import shared_cache
from .cache import TTLCache

T = TypeVar("T")
ABSENT = object()  # remembered: the shared cache had no entry
memo = TTLCache()
_memo_only: ContextVar[bool] = ContextVar("eha_auth_memo_only", default=False)


class NeedsIO(Exception):
    """The memo cannot answer and blocking I/O is not allowed here (memo_only)."""


@contextlib.contextmanager
def memo_only() -> Iterator[None]:
    """Within this block, a read the memo cannot answer raises NeedsIO."""
    token = _memo_only.set(True)
    try:
        yield
    finally:
        _memo_only.reset(token)


def require_io() -> None:
    """Raise NeedsIO within memo_only(): called before blocking I/O (HTTP, a shared read)."""
    if _memo_only.get():
        raise NeedsIO()


def on_event_loop() -> bool:
    """Return True within memo_only(): the first, I/O-free try of run_warm()."""
    return _memo_only.get()


def require_loaded_session(session: Any) -> None:
    """Raise NeedsIO within memo_only() when reading ``session`` would need its store.

    A request without a session key has nothing to read; signed-cookie sessions are read
    from the request itself; other stores are read in a thread (a database or cache
    session store makes its own round trip).
    """
    if (session is not None and session.session_key is not None
            and not hasattr(session, "_session_cache")
            and not isinstance(session, CookieSession)):
        require_io()


async def run_warm(function: Callable[..., T], *args: Any) -> T:
    """Return ``function(*args)`` on the event loop when it needs no blocking I/O, else
    from one thread hop (a cold path: a shared read, a query, a provider call)."""
    try:
        with memo_only():
            return function(*args)
    except (NeedsIO, SynchronousOnlyOperation):
        return await sync_to_async(function)(*args)


def cache(alias: str | None = None):
    """Return the shared cache (AUTH_CACHE_ALIAS unless ``alias``), Django's key function."""
    return _cache(alias)


def _cache(alias: str | None):
    return shared_cache(alias or app_settings.cached("AUTH_CACHE_ALIAS"))


def _memo_until() -> float:
    return time.time() + float(app_settings.cached("AUTH_MEMO_SECONDS"))


def get_many(keys: Iterable[str], alias: str | None = None) -> dict[str, Any]:
    """Return the entries found for ``keys``: from the memo, else in one round trip."""
    found: dict[str, Any] = {}
    missing = []
    for key in keys:
        value = memo.get(key)
        if value is None:
            missing.append(key)
        elif value is not ABSENT:
            found[key] = value
    if missing:
        if _memo_only.get():
            raise NeedsIO(missing[0])
        read = _cache(alias).get_many(missing)
        until = _memo_until()
        for key in missing:
            memo.set(key, read.get(key, ABSENT), until)
        found.update(read)
    return found


def get(key: str, alias: str | None = None) -> Any:
    """Return the entry of ``key``, or None."""
    return get_many([key], alias).get(key)


def put(key: str, value: Any, timeout: float, alias: str | None = None) -> None:
    """Store ``value`` for every worker, and remember it here."""
    if _memo_only.get():
        raise NeedsIO(key)
    _cache(alias).set(key, value, timeout)
    memo.set(key, value, _memo_until())


def forget(keys: Iterable[str], alias: str | None = None, using: str | None = None) -> None:
    """Delete the entries of ``keys`` everywhere, at once and again when the change commits."""
    keys = list(keys)
    if not keys:
        return

    def delete() -> None:
        for key in keys:
            memo.pop(key)
        _cache(alias).delete_many(keys)

    delete()
    transaction.on_commit(delete, using=using)
