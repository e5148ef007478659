"""Each realm's signing keys, cached in Django's cache so every worker shares them.

The JWKS URL is built from KEYCLOAK_SERVER_URL and an allowed realm only: never from a
token header (``jku``, ``x5u`` and ``jwk`` are ignored, RFC 8725 section 3.10).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import jwt
from django.core.cache import cache

from .. import audit
from ..conf import app_settings
from . import shared
from .client import call_provider, provider_answer
from .errors import InvalidToken, ProviderRejected, ProviderUnavailable, RealmNotFound

logger = logging.getLogger("eha_auth.oidc")
CACHE_KEY = "eha_auth:jwks:{realm}"
FETCH_KEY = "eha_auth:jwks-fetch:{realm}"
REFUSED_KEY = "eha_auth:jwks-refused:{realm}"
REFUSED = "the provider refused the realm's signing keys"

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()
# Parsed keys per (realm, fetched_at): parsing an RSA key costs more than looking it up.
_parsed: dict[tuple[str, float], dict[str | None, jwt.PyJWK]] = {}


def _lock(realm: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(realm, threading.Lock())


def fetch_keys(realm: str) -> dict[str, Any]:
    """Fetch the realm's key set from the provider and store it; return the entry."""
    answer = provider_answer(call_provider(realm, "certs", lambda client: client.certs()), "keys")
    keys = [key for key in answer["keys"] if isinstance(key, dict) and _usable(key)]
    entry = {"keys": keys, "fetched_at": time.time()}
    cache.set(CACHE_KEY.format(realm=realm), entry, app_settings.KEYCLOAK_JWKS_MAX_AGE)
    logger.info("fetched %d signing keys of realm %s", len(keys), realm)
    audit.keys(realm, "ok")
    return entry


def _usable(key: dict) -> bool:
    return key.get("use", "sig") == "sig" and key.get("kty") in ("RSA", "EC")


def cached_entry(realm: str) -> dict[str, Any] | None:
    """Return the realm's cached key set ({"keys", "fetched_at"}) or None."""
    shared.require_io()
    entry = cache.get(CACHE_KEY.format(realm=realm))
    if entry and time.time() - entry["fetched_at"] > app_settings.KEYCLOAK_JWKS_MAX_AGE:
        return None  # the last good keys are too old to trust
    return entry


def _refetch(realm: str, seen: dict | None) -> dict | None:
    """Fetch once for every worker and thread (rate-limited); return the newest entry."""
    with _lock(realm):
        entry = cached_entry(realm)
        if entry is not None and (seen is None or entry["fetched_at"] != seen["fetched_at"]):
            return entry  # another thread or worker fetched while we waited
        if not cache.add(FETCH_KEY.format(realm=realm), 1,
                         app_settings.KEYCLOAK_JWKS_REFETCH_SECONDS):
            if entry is None and cache.get(REFUSED_KEY.format(realm=realm)):
                raise InvalidToken(REFUSED)
            return entry  # fetched (or failed) recently: do not hammer the provider
        return _fetch_or_keep(realm, entry)


def _fetch_or_keep(realm: str, entry: dict | None) -> dict | None:
    """Fetch the realm's keys; when that fails, keep serving the last good ``entry``.

    A refusal (no such realm at the provider, a 4xx) with no keys cached raises
    InvalidToken: the realm's tokens cannot be verified, and asking again soon will not
    change that, so the refusal is remembered as long as a fetch is.
    """
    try:
        return fetch_keys(realm)
    except (RealmNotFound, ProviderRejected) as exc:
        audit.keys(realm, "refused")
        if isinstance(exc, ProviderRejected):  # a 404 was logged with its hint already
            logger.warning("the provider refused the signing keys of realm %s (status %s)",
                           realm, exc.status)
        seconds = app_settings.KEYCLOAK_JWKS_REFETCH_SECONDS
        if seconds:
            cache.set(REFUSED_KEY.format(realm=realm), 1, seconds)
        if entry is None:
            raise InvalidToken(REFUSED) from exc
        return entry
    except ProviderUnavailable:
        audit.keys(realm, "unavailable")
        return entry


def key_set(realm: str, *, refresh: bool = False) -> dict[str | None, jwt.PyJWK]:
    """Return the realm's keys by kid; fetch when missing, stale, or ``refresh``."""
    entry = cached_entry(realm)
    stale = entry is None or time.time() - entry["fetched_at"] > (
        app_settings.KEYCLOAK_JWKS_CACHE_SECONDS)
    if stale or refresh:
        entry = _refetch(realm, entry) or entry
    if entry is None:
        raise ProviderUnavailable("no signing keys")
    return _parse(realm, entry)


def _parse(realm: str, entry: dict) -> dict[str | None, jwt.PyJWK]:
    memo_key = (realm, entry["fetched_at"])
    parsed = _parsed.get(memo_key)
    if parsed is None:
        parsed = {}
        for data in entry["keys"]:
            try:
                parsed[data.get("kid")] = jwt.PyJWK(data)
            except jwt.PyJWTError:
                logger.warning("realm %s publishes a key that cannot be used", realm)
        if len(_parsed) > 256:
            _parsed.clear()
        _parsed[memo_key] = parsed
    return parsed


def signing_key(realm: str, kid: object) -> jwt.PyJWK:
    """Return the realm's key for ``kid``; an unknown kid triggers one rate-limited refetch."""
    if kid is not None and not isinstance(kid, str):
        raise InvalidToken("kid is not a string")
    keys = key_set(realm)
    if kid is None:
        if len(keys) != 1:
            raise InvalidToken("no kid and the realm has several keys")
        return next(iter(keys.values()))
    if kid not in keys:
        keys = key_set(realm, refresh=True)
    if kid not in keys:
        raise InvalidToken("unknown kid")
    return keys[kid]
