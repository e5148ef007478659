"""One provider call for many concurrent requests, whichever thread or worker comes first.

Requests of one session that find its access token due together would each spend the
same refresh token; a provider that revokes used refresh tokens (Keycloak's "Revoke
Refresh Token") answers all but one with ``invalid_grant`` and then ends the session.
So the first request takes a lock in the shared cache and calls the provider; the
outcome waits in the cache, under a digest of the tokens it replaces, for the other
requests, which adopt it instead of calling again. It is encrypted with a key derived
from those tokens: the cache alone never reveals a token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.core.cache import cache

LOCK_KEY = "eha_auth:flight-lock:{digest}"
OUTCOME_KEY = "eha_auth:flight:{digest}"
#: How long an outcome stays for requests that read the replaced tokens late.
OUTCOME_SECONDS = 120
POLL_SECONDS = 0.05


def _derive(label: str, secret: str) -> bytes:
    return hashlib.sha256(f"eha_auth:{label}\x00{secret}".encode()).digest()


def _outcome_key(secret: str) -> str:
    return OUTCOME_KEY.format(digest=_derive("flight", secret).hex()[:40])


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive("flight-key", secret)))


def published(secret: str) -> dict[str, Any] | None:
    """Return the outcome left for the holders of ``secret``, or None."""
    sealed = cache.get(_outcome_key(secret))
    return _open(secret, sealed)


def _open(secret: str, sealed: Any) -> dict[str, Any] | None:
    if not isinstance(sealed, bytes):
        return None
    try:
        return json.loads(_fernet(secret).decrypt(sealed))
    except (InvalidToken, ValueError):
        return None


def run_once(lock_name: str, secret: str, call: Callable[[], dict[str, Any] | None],
             lock_seconds: float) -> dict[str, Any] | None:
    """Return ``call()``'s outcome for ``secret``, computed once across threads and workers.

    ``lock_name`` names what is being replaced (a session); ``secret`` is what every
    concurrent caller holds (the tokens being replaced). An outcome of None (the provider
    could not answer) is not shared. Callers that do not get the lock wait for the
    outcome at most ``lock_seconds``, then get None.
    """
    found = published(secret)
    if found is not None:
        return found
    lock = LOCK_KEY.format(digest=_derive("lock", lock_name).hex()[:40])
    if not cache.add(lock, 1, lock_seconds):
        return _wait(secret, lock, time.monotonic() + lock_seconds)
    try:
        found = published(secret)  # published between our first look and the lock
        if found is not None:
            return found
        outcome = call()
        if outcome is not None:
            sealed = _fernet(secret).encrypt(json.dumps(outcome).encode())
            cache.set(_outcome_key(secret), sealed, OUTCOME_SECONDS)
        return outcome
    finally:
        cache.delete(lock)


def _wait(secret: str, lock: str, deadline: float) -> dict[str, Any] | None:
    """Wait while another caller holds the lock; return its outcome, or None."""
    key = _outcome_key(secret)
    while time.monotonic() < deadline:
        found = cache.get_many([key, lock])
        if key in found:
            return _open(secret, found[key])
        if lock not in found:  # the holder finished: its outcome, if any, is there now
            return published(secret)
        time.sleep(POLL_SECONDS)
    return None
