"""Keycloak login: the password grant (behind the scenes) or the authorization code flow."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend

from ..conf import app_settings
from ..oidc.client import call_provider, provider_answer
from ..oidc.errors import AccountNotReady, InvalidToken, ProviderRejected, SetupMismatch
from ..oidc.realms import is_allowed_realm
from ..oidc.tokens import verify_id_token, verify_own_access_token
from ..oidc.usercache import SharedSessionUsers
from ..oidc.users import map_user

BACKEND_PATH = "eha_auth.keycloak.backends.KeycloakBackend"
logger = logging.getLogger("eha_auth.keycloak")


class KeycloakBackend(SharedSessionUsers, BaseBackend):
    """Authenticate against the realm's provider; the tokens are left on ``user.oidc_tokens``.

    Credentials: ``realm`` with ``keycloak_username`` and ``keycloak_password`` (password
    grant), or ``realm`` with ``keycloak_code``, ``code_verifier``, ``redirect_uri`` and
    ``nonce`` (code flow). A refused grant (``invalid_grant``) returns None; the view
    answers the rest: ProviderUnavailable (503), AccountNotReady (right password, pending
    required action at the provider), and ProviderRejected for any other refusal, a fault
    of the set-up (wrong client secret, client not allowed the grant).
    """

    def authenticate(self, request, realm=None, keycloak_username=None, keycloak_password=None,  # type: ignore[override]  # Django picks backends by their credentials' names
                     keycloak_code=None, code_verifier=None, redirect_uri=None, nonce=None):
        if not is_allowed_realm(realm):
            return None
        if keycloak_username and keycloak_password:
            grant = {"username": keycloak_username, "password": keycloak_password,
                     "grant_type": "password"}
        elif keycloak_code and code_verifier and redirect_uri:
            grant = {"code": keycloak_code, "code_verifier": code_verifier,
                     "redirect_uri": redirect_uri, "grant_type": "authorization_code",
                     "username": None, "password": None}
        else:
            return None
        return self.login_with(realm, grant, nonce)

    def login_with(self, realm: str, grant: dict, nonce: str | None):
        try:
            tokens = provider_answer(call_provider(realm, "token", lambda client: client.token(
                scope=app_settings.KEYCLOAK_SCOPE, **grant)), "access_token")
        except AccountNotReady:
            raise
        except ProviderRejected as exc:
            if exc.error != "invalid_grant":  # RFC 6749 5.2: the client, not the user's grant
                logger.warning("the provider refused this client's %s grant in realm %s "
                               "(status %s): check KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET",
                               grant["grant_type"], realm, exc.status)
                raise
            return None
        try:
            claims = verify_own_access_token(realm, tokens["access_token"])
            if tokens.get("id_token") or nonce is not None:
                id_claims = verify_id_token(realm, tokens.get("id_token") or "", nonce=nonce)
                if id_claims.get("sub") != claims.get("sub"):
                    raise InvalidToken("the ID token is about another user")
        except InvalidToken as exc:
            level = logging.WARNING if isinstance(exc, SetupMismatch) else logging.INFO
            logger.log(level, "login tokens refused in realm %s: %s", realm, exc)
            return None
        user = map_user(realm, claims)
        if user is not None:
            user.oidc_tokens = (realm, tokens, claims)
        return user

    def load_user(self, user_id):
        model = get_user_model()
        user = model._default_manager.filter(pk=user_id).first()
        return user if user is not None and getattr(user, "is_active", True) else None
