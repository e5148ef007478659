"""Gateway tokens on /<realm>/<GATEWAY_SERVICE_ID>/ paths set ``request.user``."""

from __future__ import annotations

import logging
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.module_loading import import_string

from ..conf import app_settings
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
    paths pass untouched, so the other login methods apply there.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        realm = protected_realm(request.path_info)
        if realm is None:
            return self.get_response(request)
        token = header_token(request)
        if not token:
            return unauthorized(realm)
        try:
            user = authenticate_gateway(request, realm, token)
        except InvalidToken:
            return unauthorized(realm, "invalid_token")
        except ProviderUnavailable:
            return JsonResponse({"detail": "The identity provider cannot be reached."},
                                status=503)
        request.user = user
        request._eha_gateway = (user, token)
        return self.get_response(request)
