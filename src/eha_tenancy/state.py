"""The active realm of the running code: a ContextVar, safe under threads and ASGI."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any

from . import audit
from .exceptions import RealmForbidden, RealmRequired

# The active realm: a realm name, a RequestRealm, UNSCOPED (every realm, explicitly), or None.
UNSCOPED = object()
_active: ContextVar[Any] = ContextVar("eha_tenancy_realm", default=None)


class RequestRealm:
    """The realm of a request, checked against the request's user at each query.

    DRF authenticates token clients inside the view, after the middleware ran:
    the first query after that checks the new user's membership, so a realm
    header cannot open another realm's rows to a user who is not a member.
    Anonymous users reach realm data only in views marked ``realm_public``, and
    only when ``exists(realm)`` (checked at that first query, not before).
    """

    __slots__ = ("checked_user_pk", "exists", "may_use", "public", "realm", "refused_pk",
                 "request")

    def __init__(self, realm: str, request: Any, may_use: Callable[[Any, str], bool],
                 checked_user_pk: Any = None, public: bool = False,
                 exists: Callable[[str], bool] | None = None) -> None:
        self.realm = realm
        self.request = request
        self.may_use = may_use  # may_use(user, realm): the membership rule
        self.checked_user_pk = checked_user_pk
        self.public = public
        self.exists = exists  # exists(realm), for anonymous users of public views
        self.refused_pk: Any = None  # the user last refused, reported once

    def verified(self) -> str:
        """Return the realm once the request's current user may use its data."""
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            if self.public and (self.exists is None or self.exists(self.realm)):
                return self.realm
            raise RealmForbidden("Sign in as a member of this realm to see its data.")
        if user.pk == self.checked_user_pk:
            return self.realm
        if not self.may_use(user, self.realm):
            # The middleware's refusal, for a user who signed in after it ran (DRF),
            # reported once however often the request tries.
            if user.pk != self.refused_pk:
                self.refused_pk = user.pk
                audit.refused(self.request, self.realm, "not member")
            raise RealmForbidden("You are not a member of this realm.")
        self.checked_user_pk = user.pk
        return self.realm


class Activation:
    """Set the active realm on entry and restore the previous value on exit."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self._tokens: list[Token] = []

    def __enter__(self) -> Activation:
        self._tokens.append(_active.set(self.value))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        _active.reset(self._tokens.pop())

    async def __aenter__(self) -> Activation:
        return self.__enter__()

    async def __aexit__(self, *exc_info: Any) -> None:
        self.__exit__(*exc_info)

    def __call__(self, function: Callable) -> Callable:
        if inspect.iscoroutinefunction(function):
            @functools.wraps(function)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with Activation(self.value):
                    return await function(*args, **kwargs)
            return run_async

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with Activation(self.value):
                return function(*args, **kwargs)
        return run


def unscoped() -> Activation:
    """Return a context manager (or decorator) running code across every realm."""
    return Activation(UNSCOPED)


def no_realm() -> Activation:
    """Return a context manager (or decorator) running code with no realm active."""
    return Activation(None)


def get_active_realm() -> str | None:
    """Return the active realm, or None (also inside unscoped())."""
    value = _active.get()
    if isinstance(value, RequestRealm):
        return value.realm
    return None if value is UNSCOPED else value


def is_unscoped() -> bool:
    """Return True inside unscoped()."""
    return _active.get() is UNSCOPED


def require_realm() -> str | None:
    """Return the active realm; None inside unscoped(); raise RealmRequired when none."""
    value = _active.get()
    if value is UNSCOPED:
        return None
    if value is None:
        raise RealmRequired
    if isinstance(value, RequestRealm):
        return value.verified()
    return value
