"""The provider's oauthlib validator and server: realm-scoped, Keycloak-like answers."""

from __future__ import annotations

import hashlib
import time

from oauth2_provider.models import get_access_token_model, get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.grant_types import ResourceOwnerPasswordCredentialsGrant
from oauthlib.openid import Server

from .models import pending_actions
from .realms import current_realm, current_sso_session, issuer
from .tokens import SSO_CLAIM, profile_claims, session_id, subject_of


class RealmValidator(OAuth2Validator):
    """One client allows the code, password and refresh grants (standard flow + direct access)."""

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return grant_type in ("authorization_code", "password", "refresh_token")

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs):
        return response_type == "code"

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        return True

    def get_oidc_issuer_endpoint(self, request):
        return issuer()

    def get_oidc_claims(self, token, token_handler, request):
        return {"sub": subject_of(request.user), "typ": "ID", "azp": request.client_id,
                "sid": session_id(request), **profile_claims(request.user)}

    def get_userinfo_claims(self, request):
        return {"sub": subject_of(request.user), **profile_claims(request.user)}

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        # The code remembers the browser's provider session (its stored claims come back
        # at the token endpoint): the tokens it buys carry that session's `sid`.
        request.claims = {**(request.claims or {}), SSO_CLAIM: current_sso_session.get()}
        return super().save_authorization_code(client_id, code, request, *args, **kwargs)

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        """Refresh tokens are single use, as Keycloak's with "Revoke Refresh Token" on.

        A second use is refused as Keycloak refuses it, and (REFRESH_TOKEN_REUSE_PROTECTION)
        revokes the tokens that the first use bought: Keycloak drops the client's session.
        """
        reused = _spent(refresh_token)
        if super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return True
        if reused:
            raise errors.InvalidGrantError(
                description="Maximum allowed refresh token reuse exceeded", request=request)
        return False

    def validate_bearer_token(self, token, scopes, request):
        if not super().validate_bearer_token(token, scopes, request):
            return False
        # A token of another realm is not valid here.
        return request.access_token.application.realm.name == current_realm.get()


def _spent(refresh_token: str) -> bool:
    """Return whether ``refresh_token`` was already exchanged for new tokens."""
    spent = get_refresh_token_model().objects.filter(
        token_checksum=hashlib.sha256(refresh_token.encode()).hexdigest(),
        revoked__isnull=False).first()
    return spent is not None and get_access_token_model().objects.filter(
        source_refresh_token=spent).exists()


class _IdTokenHandler:
    """Wrap a token handler so the token of a password grant also carries an ID token."""

    def __init__(self, handler, validator):
        self.handler, self.validator = handler, validator

    def create_token(self, request, refresh_token=False, **kwargs):
        token = self.handler.create_token(request, refresh_token, **kwargs)
        if "openid" in (request.scopes or []):
            id_token = {"aud": request.client_id, "iat": int(time.time())}
            token["id_token"] = self.validator.finalize_id_token(id_token, token, self.handler,
                                                                 request)
        return token


class GrantRefused(errors.InvalidGrantError):
    """``invalid_grant`` with the status Keycloak gives, and no WWW-Authenticate header."""

    @property
    def headers(self):
        return {}


class PasswordGrant(ResourceOwnerPasswordCredentialsGrant):
    """Keycloak's answers: 401 for wrong credentials, 400 while a required action is pending."""

    def validate_token_request(self, request):
        try:
            super().validate_token_request(request)
        except errors.InvalidGrantError as exc:  # the only one: wrong username or password
            raise GrantRefused("Invalid user credentials", status_code=401,
                               request=request) from exc
        if pending_actions(request.user):
            raise GrantRefused("Account is not fully set up", request=request)

    def create_token_response(self, request, token_handler):
        return super().create_token_response(
            request, _IdTokenHandler(token_handler, self.request_validator))


class KeycloakServer(Server):
    """Keycloak answers a password grant with an ID token too."""

    def __init__(self, request_validator, *args, **kwargs):
        super().__init__(request_validator, *args, **kwargs)
        self.password_grant = PasswordGrant(request_validator)
        self._grant_types["password"] = self.password_grant
