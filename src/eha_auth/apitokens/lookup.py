"""Find the user of an API token key, cached by key digest for a short time.

Two layers keep an authenticated request free of queries: each process keeps
the owners it loaded (user and realms) in memory, and the shared cache holds,
per key digest, a small stamp saying that process-local copy is still good.
Revoking a token, or any change to its user or their groups, deletes the
stamp (signals.py), so every process reloads from the database on its next
request: a revoked token stops working at once, everywhere.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..accounts.realms import user_realms
from ..conf import app_settings
from ..models import ApiToken, token_digest
from ..realms import shared_cache

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

CACHE_PREFIX = "eha_auth:api-token:"
INVALID = "-"
LOCAL_MAX_ENTRIES = 10_000
_local: dict[str, tuple[str, TokenOwner, float]] = {}


@dataclass
class TokenOwner:
    """The user of a token, their realms, and when the token expires (epoch seconds)."""

    user: AbstractBaseUser
    realms: set[str] = field(default_factory=set)
    expires_at: float | None = None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= time.time()


def _cache():
    # Stamps are read in every realm: a revocation must reach them all.
    return shared_cache(app_settings.cached("API_TOKEN_CACHE_ALIAS"))


def cache_key(digest: str) -> str:
    return CACHE_PREFIX + digest


def find_owner(key: str) -> TokenOwner | None:
    """Return the owner of an unexpired token ``key``, or None."""
    digest = token_digest(key)
    stamp = _cache().get(cache_key(digest))
    if stamp == INVALID:
        return None
    local = _local.get(digest)
    owner: TokenOwner | None
    if stamp is not None and local is not None and local[0] == stamp and local[2] > time.time():
        owner = local[1]
    else:
        owner = _reload(digest, stamp)
    return None if owner is None or owner.expired else owner


def _reload(digest: str, stamp: str | None) -> TokenOwner | None:
    """Load the owner from the database; share a stamp (or INVALID) for the other processes."""
    owner = _load(digest)
    ttl = app_settings.API_TOKEN_CACHE_SECONDS
    if owner is None:
        _local.pop(digest, None)
        _cache().set(cache_key(digest), INVALID, ttl)
        return None
    if owner.expires_at is not None:
        ttl = min(ttl, max(1, int(owner.expires_at - time.time())))
    if stamp is None or stamp == INVALID:
        stamp = uuid.uuid4().hex
        if not _cache().add(cache_key(digest), stamp, ttl):
            stamp = _cache().get(cache_key(digest))
    if len(_local) >= LOCAL_MAX_ENTRIES:
        _local.clear()
    _local[digest] = (stamp, owner, time.time() + ttl)
    return owner


def _load(digest: str) -> TokenOwner | None:
    token = ApiToken.objects.select_related("user").filter(digest=digest).first()
    if token is None or token.is_expired:
        return None
    expires_at = token.expires.timestamp() if token.expires else None
    return TokenOwner(user=token.user, realms=user_realms(token.user), expires_at=expires_at)


def forget(*digests: str) -> None:
    """Drop the cached lookups of these token digests, in every process."""
    _cache().delete_many([cache_key(digest) for digest in digests])
    for digest in digests:
        _local.pop(digest, None)


def forget_user(user) -> None:
    """Drop the cached lookups of every token of ``user``."""
    if user.pk is not None:
        forget(*ApiToken.objects.filter(user=user).values_list("digest", flat=True))
