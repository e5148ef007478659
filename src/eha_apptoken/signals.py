"""Receivers keeping the token cache in step with the table."""

from __future__ import annotations

from .models import forget


def forget_deleted_token(sender, instance, **kwargs) -> None:
    """A revoked (deleted) token leaves the cache too."""
    forget(instance.user_id, instance.app)
