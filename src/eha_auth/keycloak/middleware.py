"""Provider sessions refreshed ahead of expiry, and ended when the provider refuses."""

from __future__ import annotations

import logging

from django.contrib.auth import logout

from ..oidc import sessions

logger = logging.getLogger("eha_auth.keycloak")


class KeycloakSessionMiddleware:
    """Refresh a login session's provider tokens ahead of expiry; end it when refused.

    Place it after AuthenticationMiddleware. Requests without provider tokens in their
    session pass untouched; others check, at most once per request and without calling
    the provider unless the access token is about to expire.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tokens = sessions.session_tokens(request)
        if tokens and not self.keep(request, tokens):
            logout(request)
        return self.get_response(request)

    def keep(self, request, tokens: dict) -> bool:
        if sessions.is_ended(tokens):
            logger.info("session ended by the provider (back-channel logout)")
            return False
        if sessions.refresh_due(tokens):
            return sessions.refresh(request, tokens)
        return True
