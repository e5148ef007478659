"""Receivers keeping the token cache in step with the table."""

from __future__ import annotations

from django.db import transaction

from .models import forget


def forget_deleted_token(sender, instance, using=None, **kwargs) -> None:
    """A revoked (deleted) token leaves the cache too: at once, and again at the commit
    (until then another request still reads the row, and may cache it again)."""
    user_pk, app = instance.user_id, instance.app
    forget(user_pk, app)
    transaction.on_commit(lambda: forget(user_pk, app), using=using)
