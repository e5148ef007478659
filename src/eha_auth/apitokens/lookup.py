"""Find the user of an API token key, kept in the shared cache by key digest.

The shared cache (API_TOKEN_CACHE_ALIAS) holds, per key digest, the token's owner:
the user, their realms (also as ``user.eha_realms``) and the token's expiry, or INVALID
for an unknown key. An authenticated request reads it in one round trip, or none while
this worker remembers it (AUTH_MEMO_SECONDS, at most 1). Revoking a token, or any change
to its user, their groups or one of those Groups, deletes the entries at once and again
at commit (signals.py): a revoked token stops working on every worker within that bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..conf import app_settings
from ..models import ApiToken, token_digest
from ..oidc import shared
from ..oidc.usercache import realm_names, request_copy

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

CACHE_PREFIX = "eha_auth:api-token:"
INVALID = "-"


@dataclass
class TokenOwner:
    """The user of a token, their realms, and when the token expires (epoch seconds)."""

    user: AbstractBaseUser
    realms: frozenset[str] = field(default_factory=frozenset)
    expires_at: float | None = None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= time.time()


def _alias() -> str:
    # Read in every realm: shared.py uses Django's key function, so a revocation reaches all.
    return app_settings.cached("API_TOKEN_CACHE_ALIAS")


def cache_key(digest: str) -> str:
    return CACHE_PREFIX + digest


def find_owner(key: str) -> TokenOwner | None:
    """Return the owner of an unexpired token ``key`` (the request's own copy), or None."""
    digest = token_digest(key)
    entry = shared.get(cache_key(digest), _alias())
    if entry is None:
        entry = _reload(digest)
    if entry == INVALID or entry.expired:
        return None
    return TokenOwner(request_copy(entry.user), entry.realms, entry.expires_at)


def _reload(digest: str) -> TokenOwner | str:
    """Load the owner from the database and share it (or INVALID) with the other workers."""
    owner = _load(digest)
    ttl = app_settings.API_TOKEN_CACHE_SECONDS
    if owner is not None and owner.expires_at is not None:
        ttl = min(ttl, max(1, int(owner.expires_at - time.time())))
    entry = INVALID if owner is None else owner
    shared.put(cache_key(digest), entry, ttl, _alias())
    return entry


def _load(digest: str) -> TokenOwner | None:
    token = ApiToken.objects.select_related("user").filter(digest=digest).first()
    if token is None or token.is_expired:
        return None
    expires_at = token.expires.timestamp() if token.expires else None
    user, realms = token.user, realm_names(token.user)
    user.eha_realms = realms  # type: ignore[attr-defined]  # the realms contract (README)
    return TokenOwner(user=user, realms=realms, expires_at=expires_at)


def forget(*digests: str, using: str | None = None) -> None:
    """Drop the shared entries of these token digests everywhere, now and at commit."""
    shared.forget([cache_key(digest) for digest in digests], _alias(), using)


def forget_user(user, using: str | None = None) -> None:
    """Drop the shared entries of every token of ``user``."""
    if user.pk is not None:
        forget(*ApiToken.objects.using(using).filter(user=user)
               .values_list("digest", flat=True), using=using)
