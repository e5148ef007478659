"""Gateway tokens on /<realm>/<GATEWAY_SERVICE_ID>/ paths set ``request.user``."""

from __future__ import annotations

import logging
from functools import lru_cache

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.module_loading import import_string

from .. import audit
from ..conf import app_settings
from ..oidc import shared
from ..oidc.errors import InvalidToken, ProviderUnavailable, SetupMismatch
from ..oidc.realms import is_allowed_realm
from .backends import BACKEND_PATH, GatewayBackend, protected_realm

logger = logging.getLogger("eha_auth.gateway")


@lru_cache(maxsize=8)
def _backend(paths: tuple[str, ...]) -> tuple[GatewayBackend, str]:
    for path in paths:
        backend = import_string(path)
        if isinstance(backend, type) and issubclass(backend, GatewayBackend):
            return backend(), path
    return GatewayBackend(), BACKEND_PATH


def gateway_backend() -> tuple[GatewayBackend, str]:
    """Return the GatewayBackend listed in AUTHENTICATION_BACKENDS (or the default one)."""
    return _backend(tuple(settings.AUTHENTICATION_BACKENDS))


def authenticate_gateway(request, realm: str, token: str):
    """Return the user of a gateway token for ``realm``; raise InvalidToken/ProviderUnavailable.

    A refusal is logged with its reason (never the token); a genuine token refused by the
    settings or the client's setup at the provider (SetupMismatch) is a warning.
    """
    try:
        if not is_allowed_realm(realm):
            raise InvalidToken("realm not allowed")
        backend, path = gateway_backend()
        user = backend.user_for_token(realm, token)
    except InvalidToken as exc:
        level = logging.WARNING if isinstance(exc, SetupMismatch) else logging.INFO
        logger.log(level, "token refused on realm %r: %s", realm, exc)
        raise
    user.backend = path
    return user


def header_token(request) -> str | None:
    """Return the gateway's token header (read from META: cheaper than request.headers)."""
    name = app_settings.cached("GATEWAY_HEADER_TOKEN").upper().replace("-", "_")
    return request.META.get(f"HTTP_{name}")


def unauthorized(realm: str, error: str | None = None) -> HttpResponse:
    """401 with a Bearer challenge (RFC 6750 section 3)."""
    challenge = f'Bearer realm="{realm}"'
    if error:
        challenge += f', error="{error}"'
    response = JsonResponse({"detail": "Authentication credentials were not provided."
                             if error is None else "The token is not valid."}, status=401)
    response["WWW-Authenticate"] = challenge
    return response


class GatewayAuthenticationMiddleware:
    """On /<realm>/<GATEWAY_SERVICE_ID>/ paths, the gateway's token sets ``request.user``.

    Place it after AuthenticationMiddleware. The user is set for this request only: no
    session is written and CSRF checks stay as they are. Public-realm paths and other
    paths pass untouched, so the other login methods apply there. Under ASGI a warm
    request (a token this worker verified, a user it read within AUTH_MEMO_SECONDS) stays
    on the event loop; a cold one verifies and reads in one thread hop.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        realm = protected_realm(request.path_info)
        refusal = self.refusal(request, realm) if realm is not None else None
        return refusal or self.get_response(request)

    async def __acall__(self, request):
        realm = protected_realm(request.path_info)
        refusal = (await shared.run_warm(self.refusal, request, realm)
                   if realm is not None else None)
        return refusal or await self.get_response(request)

    def refusal(self, request, realm: str) -> HttpResponse | None:
        """Set ``request.user`` from the token; return the response refusing it, or None."""
        token = header_token(request)
        if not token:
            audit.refused(request, "gateway", "no token", realm=realm)
            return unauthorized(realm)
        try:
            user = authenticate_gateway(request, realm, token)
        except InvalidToken:
            audit.refused(request, "gateway", "invalid token", realm=realm)
            return unauthorized(realm, "invalid_token")
        except ProviderUnavailable:
            audit.refused(request, "gateway", "provider unavailable", realm=realm)
            return JsonResponse({"detail": "The identity provider cannot be reached."},
                                status=503)
        set_request_user(request, user)
        request._eha_gateway = (user, token)
        return None


def set_request_user(request, user) -> None:
    """Make ``user`` this request's user for sync code (request.user) and async code
    (request.auser(), through AuthenticationMiddleware's caches)."""
    request.user = user
    request._cached_user = user
    request._acached_user = user
