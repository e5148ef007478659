"""Find the user of an API token key, cached by key digest for a short time.

The cache entry holds the user and their realms, so an authenticated request
costs no query while the entry lives; revoking a token, and any change to its
user or their groups, deletes the entry at once (signals.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.core.cache import caches

from ..accounts.realms import user_realms
from ..conf import more_settings
from ..models import ApiToken, token_digest

CACHE_PREFIX = "eha_auth:api-token:"


@dataclass
class TokenOwner:
    """The user of a token, their realms, and when the token expires (epoch seconds)."""

    user: object
    realms: set[str] = field(default_factory=set)
    expires_at: float | None = None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= time.time()


def _cache():
    return caches[more_settings.API_TOKEN_CACHE_ALIAS]


def cache_key(digest: str) -> str:
    return CACHE_PREFIX + digest


def find_owner(key: str) -> TokenOwner | None:
    """Return the owner of an unexpired token ``key``, or None."""
    digest = token_digest(key)
    entry = _cache().get(cache_key(digest))
    if entry is None:
        entry = _load(digest)
        ttl = more_settings.API_TOKEN_CACHE_SECONDS
        if entry and entry.expires_at is not None:
            ttl = min(ttl, max(1, int(entry.expires_at - time.time())))
        _cache().set(cache_key(digest), entry or False, ttl)
    if not entry or entry.expired:
        return None
    return entry


def _load(digest: str) -> TokenOwner | None:
    token = ApiToken.objects.select_related("user").filter(digest=digest).first()
    if token is None or token.is_expired:
        return None
    expires_at = token.expires.timestamp() if token.expires else None
    return TokenOwner(user=token.user, realms=user_realms(token.user), expires_at=expires_at)


def forget(*digests: str) -> None:
    """Drop the cached lookups of these token digests."""
    _cache().delete_many([cache_key(digest) for digest in digests])


def forget_user(user) -> None:
    """Drop the cached lookups of every token of ``user``."""
    if user.pk is not None:
        forget(*ApiToken.objects.filter(user=user).values_list("digest", flat=True))
