"""Resolve the realm of each request, check membership, activate it for the request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse, JsonResponse

from . import audit
from .conf import app_settings
from .membership import realm_exists, user_may_use_realm
from .names import is_valid_realm
from .requests import requested_realm
from .state import RequestRealm, _active


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
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

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
        realm = requested_realm(request, view_kwargs.get("realm"))
        refusal = self.refusal(request, realm)
        if refusal is not None:
            return None if getattr(view_func, "realm_exempt", False) else refusal
        request.realm = realm  # type: ignore[attr-defined]  # a request attribute django-stubs cannot know
        checked = getattr(getattr(request, "user", None), "pk", None)
        # Anonymous visitors reach a realm's data in public views, if the realm exists.
        public = _is_public(view_func) and (checked is not None or realm_exists(realm))
        _active.set(RequestRealm(realm, request, user_may_use_realm, checked, public=public))
        return None

    def refusal(self, request: HttpRequest, realm: str) -> HttpResponse | None:
        """Return the answer refusing ``realm`` to this request, or None to let it in.

        Anonymous requests are not refused here: the view refuses them (the same
        way whether the realm exists or not), or serves a public view's data.
        """
        if not is_valid_realm(realm):
            audit.refused(request, realm, "unknown")
            return _refuse(404, "Unknown realm.")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if not user_may_use_realm(user, realm):
                audit.refused(request, realm, "not member")
                return _refuse(403, "You are not a member of this realm.")
            request._eha_realm_checked = (user.pk, realm)  # type: ignore[attr-defined]  # see above
        return None


def _is_public(view_func: Callable) -> bool:
    view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    return bool(getattr(view_func, "realm_public", False)
                or getattr(view_class, "realm_public", False))


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)
