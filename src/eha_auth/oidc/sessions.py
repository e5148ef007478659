"""Provider tokens kept server side in the Django session, refreshed ahead of expiry.

Back-channel logout ends sessions on every worker two ways: the sessions indexed under
the provider's ``sid``/``sub`` are deleted from the session store, and a marker in the
shared cache makes KeycloakSessionMiddleware end any session the index missed.

Both live in the shared cache (AUTH_CACHE_ALIAS) under Django's own key function, whatever the
cache's KEY_FUNCTION: the logout request and the requests of the sessions it ends
come in different realm contexts (README, "How the apps meet"), so a key function
that adds the active realm (``eha_tenancy.cache.make_key``) would hide the markers.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from importlib import import_module
from typing import Any

from django.conf import settings

from ..conf import app_settings
from . import shared, singleflight
from .client import call_provider, provider_answer
from .errors import InvalidToken, ProviderRejected, ProviderUnavailable, RealmNotFound
from .tokens import verify_own_access_token

logger = logging.getLogger("eha_auth.oidc")
SESSION_KEY = "eha_auth_oidc"
INDEX_KEY = "eha_auth:sessions:{realm}:{kind}:{digest}"
ENDED_KEY = "eha_auth:ended:{realm}:{kind}:{digest}"


def _key(template: str, realm: str, kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:40]
    return template.format(realm=realm, kind=kind, digest=digest)


def store_tokens(request, realm: str, tokens: dict[str, Any], claims: dict[str, Any],
                 mode: str = "redirect") -> None:
    """Keep the provider's tokens in the session, and index the session for logout.

    ``mode`` is how the user signed in: "password" (behind the scenes) or "redirect".
    """
    now = time.time()
    request.session[SESSION_KEY] = {
        "realm": realm,
        "mode": mode,
        "access_token": tokens["access_token"],
        "refresh_token": tokens.get("refresh_token"),
        "id_token": tokens.get("id_token"),
        "expires_at": now + float(tokens.get("expires_in") or 60),
        "sid": claims.get("sid"),
        "sub": claims.get("sub"),
        "logged_in_at": now,
    }
    if request.session.session_key is None:
        request.session.save()
    _index(request.session.session_key, realm, claims)


def session_tokens(request) -> dict[str, Any] | None:
    """Return the provider tokens of this session, or None."""
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def _index(session_key: str | None, realm: str, claims: dict) -> None:
    if not session_key:
        return
    timeout, cache = settings.SESSION_COOKIE_AGE, shared.cache()
    for kind in ("sid", "sub"):
        if claims.get(kind):
            key = _key(INDEX_KEY, realm, kind, claims[kind])
            keys = [k for k in cache.get(key, []) if k != session_key][-50:]
            cache.set(key, [*keys, session_key], timeout)


def end_sessions(realm: str, sid: str | None, sub: str | None) -> int:
    """End the sessions of ``sid``, or with no ``sid`` every session of ``sub``; return
    how many were deleted.

    OIDC Back-Channel Logout 1.0 section 2.4: a logout token naming a ``sid`` ends that
    provider session only (the user's other devices stay signed in); one naming only a
    ``sub`` ends all of the user's sessions.
    """
    kind, value = ("sid", sid) if sid else ("sub", sub)
    if not value:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended, cache = 0, shared.cache()
    shared.put(_key(ENDED_KEY, realm, kind, value), time.time(), settings.SESSION_COOKIE_AGE)
    for session_key in cache.get(_key(INDEX_KEY, realm, kind, value), []):
        if store().exists(session_key):
            store(session_key=session_key).delete()
            ended += 1
    cache.delete(_key(INDEX_KEY, realm, kind, value))
    return ended


def ended_keys(tokens: dict[str, Any]) -> list[str]:
    """Return the shared-cache keys of the back-channel logout markers of this session."""
    return [_key(ENDED_KEY, tokens["realm"], kind, tokens[kind])
            for kind in ("sid", "sub") if tokens.get(kind)]


def is_ended(tokens: dict[str, Any]) -> bool:
    """Return whether a back-channel logout ended this session (the index may have missed).

    Read with the session's user in one round trip (KeycloakSessionMiddleware), or from
    this worker's memory for at most AUTH_MEMO_SECONDS.
    """
    keys = ended_keys(tokens)
    found = shared.get_many(keys) if keys else {}
    return any(ended_at >= tokens.get("logged_in_at", 0) for ended_at in found.values())


def refresh_due(tokens: dict[str, Any]) -> bool:
    return tokens["expires_at"] - time.time() < app_settings.KEYCLOAK_REFRESH_AHEAD_SECONDS


def refresh(request, tokens: dict[str, Any]) -> bool:
    """Refresh the session's tokens; return False when the provider refused (log out).

    Concurrent requests of the session refresh once between them (across threads and
    workers): the others adopt the new tokens, or carry on with the access token while
    it lives.
    """
    if not tokens.get("refresh_token"):
        return tokens["expires_at"] > time.time()
    connect, read = app_settings.KEYCLOAK_TIMEOUT
    outcome = singleflight.run_once(
        f"refresh:{request.session.session_key}",
        f"{tokens['refresh_token']}\x00{tokens['access_token']}",
        lambda: _refreshed(tokens),
        lock_seconds=math.ceil(2 * (connect + read)) + 1)  # the refresh, and a key fetch
    if outcome is None:  # the provider could not answer, or the refresh takes too long
        return tokens["expires_at"] > time.time()
    if outcome.get("refused"):
        return False
    tokens.update(outcome)
    request.session[SESSION_KEY] = tokens
    return True


def _refreshed(tokens: dict[str, Any]) -> dict[str, Any] | None:
    """Return the new tokens, ``{"refused": True}``, or None if the provider cannot answer."""
    realm = tokens["realm"]
    try:
        answer = provider_answer(call_provider(
            realm, "refresh", lambda client: client.refresh_token(tokens["refresh_token"])),
            "access_token")
    except (ProviderRejected, RealmNotFound):  # refused, or the realm is gone: fail closed
        return {"refused": True}
    except ProviderUnavailable:
        return None
    try:
        verify_own_access_token(realm, answer["access_token"])
    except InvalidToken as exc:
        logger.warning("refreshed token refused in realm %s: %s", realm, exc)
        return {"refused": True}
    except ProviderUnavailable:  # no keys to check the new token: keep the old one for now
        return None
    return {"access_token": answer["access_token"],
            "refresh_token": answer.get("refresh_token", tokens["refresh_token"]),
            "id_token": answer.get("id_token", tokens.get("id_token")),
            "expires_at": time.time() + float(answer.get("expires_in") or 60)}


def revoke(tokens: dict[str, Any] | None) -> bool:
    """End the provider session of ``tokens`` from here, with the refresh token (a logout
    in either mode); return False if the provider could not be told."""
    if not tokens or not tokens.get("refresh_token"):
        return True
    try:
        call_provider(tokens["realm"], "logout",
                      lambda client: client.logout(tokens["refresh_token"]))
    except (ProviderRejected, ProviderUnavailable):
        return False
    return True
