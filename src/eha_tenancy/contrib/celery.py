"""Celery: a task runs in the realm that was active where it was sent.

Connect once, in the module that creates the project's Celery app::

    import eha_tenancy.contrib.celery

    eha_tenancy.contrib.celery.connect()

Sending a task (``delay``, ``apply_async``, ``send_task``, canvases) puts the active
realm in the message's ``eha_realm`` header; the worker makes it the active realm for
the task's run and restores the previous one afterwards. With no realm active when
the task was sent (or inside ``unscoped()``), the task runs with no realm, so its
first realm query raises RealmRequired, as anywhere else. A header value that breaks
the realm naming rule is refused and logged, never activated. Inside a request, the
realm is sent only once the request's user may use it.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.exceptions import PermissionDenied

from .. import audit
from ..exceptions import InvalidRealm
from ..names import validate_realm
from ..state import RequestRealm, _active

HEADER = "eha_realm"
logger = logging.getLogger(__name__)
# ContextVar tokens of the running tasks, by task id, so the previous realm comes back.
_tokens: dict[str, Any] = {}


def realm_to_send() -> str | None:
    """Return the realm a task sent now should run in, or None."""
    value = _active.get()
    if isinstance(value, RequestRealm):
        try:
            return value.verified()
        except PermissionDenied:  # the request's user may not use it: send no realm
            return None
    return value if isinstance(value, str) else None


def add_realm_header(sender: Any = None, headers: dict | None = None, **kwargs: Any) -> None:
    """before_task_publish receiver: put the active realm in the message headers."""
    realm = realm_to_send()
    if headers is not None and realm is not None:
        headers[HEADER] = realm


def header_realm(task: Any) -> str | None:
    """Return the realm a task's message carries, None when it carries none or a bad one."""
    request = getattr(task, "request", None)
    value = getattr(request, HEADER, None)
    if value is None:
        headers = getattr(request, "headers", None) or {}
        value = headers.get(HEADER)
    try:
        return None if value is None else validate_realm(value)
    except InvalidRealm as exc:
        audit.refused(None, value, "unknown")
        logger.warning("task %s runs with no realm: %s", getattr(task, "name", None), exc)
        return None


def activate_realm(sender: Any = None, task_id: str | None = None, task: Any = None,
                   **kwargs: Any) -> None:
    """task_prerun receiver: make the message's realm (or none) active for the run."""
    _tokens[str(task_id)] = _active.set(header_realm(task or sender))


def restore_realm(sender: Any = None, task_id: str | None = None, **kwargs: Any) -> None:
    """task_postrun receiver: restore the realm active before the task ran."""
    token = _tokens.pop(str(task_id), None)
    if token is not None:
        _active.reset(token)


def connect() -> None:
    """Connect the receivers: realms travel with every task of every Celery app."""
    before_task_publish.connect(add_realm_header, dispatch_uid="eha_tenancy.celery.publish",
                                weak=False)
    task_prerun.connect(activate_realm, dispatch_uid="eha_tenancy.celery.prerun", weak=False)
    task_postrun.connect(restore_realm, dispatch_uid="eha_tenancy.celery.postrun", weak=False)
