"""Resolve the realm of each request, check membership, activate it for the request."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import LazyObject, empty

from . import audit
from .conf import app_settings
from .membership import decided_without_io, request_may_use_realm, request_realm_exists
from .names import is_valid_realm
from .requests import requested_realm
from .state import RequestRealm, _active

_UNKNOWN = object()  # a user who cannot be known without I/O


class RealmMiddleware:
    """Set ``request.realm`` and make it the active realm while the view runs.

    Place it after AuthenticationMiddleware. The realm comes from the ``realm``
    URL kwarg (unless it is GATEWAY_PUBLIC_REALM), the session, the realm
    cookie, the ``Eha-Realm`` header, else DEFAULT_REALM. A malformed realm
    gets 404; a signed-in user who is not a member of the realm, whatever the
    login method, gets 403. Anonymous requests get their realm, but its data
    only in ``realm_public`` views and only if the realm exists: elsewhere they
    are refused by the view (the first query raises RealmForbidden), the same
    way for a realm that exists and one that does not, so the answer does not
    tell them apart.
    The realm stays active until the response leaves this middleware, also
    when the view raises. With MULTITENANCY off, ``request.realm`` is None.

    Under ASGI it runs on the event loop: a signed-in user whose realms came with
    the user (``user.eha_realms``) or an anonymous one costs no thread; reading an
    unread session or a membership costs one ``sync_to_async``.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)
            # Django runs a coroutine process_view on the event loop, a plain one in a thread.
            self.process_view = self.aprocess_view  # type: ignore[method-assign,assignment]  # per instance

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        request.realm = None  # type: ignore[attr-defined]  # a request attribute django-stubs cannot know
        previous = _active.get()
        try:
            return self.get_response(request)
        finally:
            _active.set(previous)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        request.realm = None  # type: ignore[attr-defined]  # a request attribute django-stubs cannot know
        previous = _active.get()
        try:
            return await self.get_response(request)
        finally:
            _active.set(previous)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: tuple,
                     view_kwargs: dict) -> HttpResponse | None:
        # Here the URL is resolved, so the ``realm`` kwarg is known.
        if not app_settings.MULTITENANCY:
            return None
        return self.resolve(request, view_func, view_kwargs)

    async def aprocess_view(self, request: HttpRequest, view_func: Callable, view_args: tuple,
                            view_kwargs: dict) -> HttpResponse | None:
        """Do what process_view does, on the event loop: a thread only for I/O."""
        if not app_settings.MULTITENANCY:
            return None
        user = await _user_without_io(request)
        if user is _UNKNOWN or not _realm_without_io(request, view_kwargs.get("realm")):
            return await sync_to_async(self.resolve)(request, view_func, view_kwargs)
        realm = requested_realm(request, view_kwargs.get("realm"))
        if user_is_checked(user) and is_valid_realm(realm) and not decided_without_io(user, realm):
            return await sync_to_async(self.admit)(request, view_func, realm, user)
        return self.admit(request, view_func, realm, user)

    def resolve(self, request: HttpRequest, view_func: Callable,
                view_kwargs: dict) -> HttpResponse | None:
        """Find the request's realm and its user, then :meth:`admit` them."""
        realm = requested_realm(request, view_kwargs.get("realm"))
        return self.admit(request, view_func, realm, getattr(request, "user", None))

    def admit(self, request: HttpRequest, view_func: Callable, realm: str,
              user: Any) -> HttpResponse | None:
        """Make ``realm`` the request's active realm, or return the answer refusing it."""
        refusal = self.refusal(request, realm, user)
        if refusal is not None:
            return None if getattr(view_func, "realm_exempt", False) else refusal
        request.realm = realm  # type: ignore[attr-defined]  # a request attribute django-stubs cannot know
        checked = user.pk if user_is_checked(user) else None
        _active.set(RequestRealm(realm, request, partial(request_may_use_realm, request), checked,
                                 public=_is_public(view_func),
                                 exists=partial(request_realm_exists, request)))
        return None

    def refusal(self, request: HttpRequest, realm: str, user: Any) -> HttpResponse | None:
        """Return the answer refusing ``realm`` to ``user``, or None to let the request in.

        Anonymous requests are not refused here: the view refuses them at their first
        use of realm data (the same way whether the realm exists or not), or serves a
        public view's data. Authentication that happens in the view (DRF) is checked
        there too, so no membership is read for a user who looks anonymous here.
        """
        if not is_valid_realm(realm):
            audit.refused(request, realm, "unknown")
            return _refuse(404, "Unknown realm.")
        if user_is_checked(user) and not request_may_use_realm(request, user, realm):
            audit.refused(request, realm, "not member")
            return _refuse(403, "You are not a member of this realm.")
        return None


def user_is_checked(user: Any) -> bool:
    """Return True for a signed-in user, whose membership the middleware checks."""
    return user is not None and user.is_authenticated


async def _user_without_io(request: HttpRequest) -> Any:
    """Return the request's user if known without I/O (None without one), else _UNKNOWN."""
    user = getattr(request, "user", None)
    if not (issubclass(type(user), LazyObject) and user._wrapped is empty):  # type: ignore[union-attr]  # a LazyObject here
        return user  # no user, or one already loaded: type() does not load a lazy user
    if hasattr(request, "auser") and _anonymous_by_session(request):
        return await request.auser()  # Django's, answered from the session alone
    return _UNKNOWN


def _anonymous_by_session(request: HttpRequest) -> bool:
    """Return True when the session names no user and reading it needs no I/O."""
    session = getattr(request, "session", None)
    return session is not None and _read_without_io(session) and USER_SESSION_KEY not in session


def _realm_without_io(request: HttpRequest, url_realm: str | None) -> bool:
    """Return True when requested_realm() needs no unread session."""
    if url_realm and url_realm != app_settings.cached("GATEWAY_PUBLIC_REALM"):
        return True
    session = getattr(request, "session", None)
    return session is None or _read_without_io(session)


def _read_without_io(session: Any) -> bool:
    # No key: nothing to load. SessionBase keeps loaded data in _session_cache.
    return session.session_key is None or hasattr(session, "_session_cache")


def _is_public(view_func: Callable) -> bool:
    view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    return bool(getattr(view_func, "realm_public", False)
                or getattr(view_class, "realm_public", False))


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)
