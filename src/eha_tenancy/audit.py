"""Audit events of eha_tenancy: a Django signal, and a log line on ``eha_tenancy.audit``.

    realm_refused   realm, reason ("unknown": a malformed name; "not member"), user

The WARNING record's ``extra`` holds the same fields plus ``event``, for structured
log handlers. A realm named by the client is cut to 64 characters and shown with
``repr``, so a hostile value cannot forge log lines.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import Signal

logger = logging.getLogger("eha_tenancy.audit")

realm_refused = Signal()


def refused(request: Any, realm: Any, reason: str) -> None:
    """Report that ``request`` was refused ``realm``, and why."""
    user = getattr(request, "user", None)
    fields = {"realm": None if realm is None else str(realm)[:64], "reason": reason,
              "user": user.get_username() if user is not None and user.is_authenticated
              else None}
    realm_refused.send(sender=None, **fields)
    logger.warning("realm refused: realm=%r reason=%r user=%r", fields["realm"], reason,
                   fields["user"], extra={"event": "realm refused", **fields})
