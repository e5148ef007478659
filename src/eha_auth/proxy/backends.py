"""Authentication backend for sessions forwarded by an upstream proxy."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from ..accounts.realms import current_realm
from ..conf import app_settings
from ..oidc.users import get_user_mapper
from ..realms import is_valid_realm

logger = logging.getLogger("eha_auth.proxy")


class ProxySessionBackend(ModelBackend):
    """Return the user a decrypted proxy session names: created on first sight, kept up to date.

    Django hands this backend only ``proxy_session=`` credentials (a payload that
    ``eha_auth.proxy.crypto`` has already decrypted and verified). The user is made and
    updated by KEYCLOAK_USER_MAPPER from the payload's claims (``get_claims``; the
    payload's role names are its roles). With MULTITENANCY on, the user is the request
    realm's, and the payload must name that realm (PROXY_SESSION_REALM_FIELD): a session
    for one realm never signs in another realm's user of the same name.
    """

    create_unknown_user = True

    def authenticate(self, request: HttpRequest | None, proxy_session: dict | None = None):  # type: ignore[override]  # Django picks backends by their credentials' names
        if not isinstance(proxy_session, dict):
            return None
        username = self.get_username(proxy_session)
        if not username:
            return None
        realm = current_realm(request) if request is not None else None
        if realm is not None and not is_valid_realm(realm):
            return None  # no such realm can exist: no user, no Group is made for it
        if realm is not None and not self.is_for_realm(proxy_session, realm):
            return None
        mapper = get_user_mapper()
        mapper.create_users = self.create_unknown_user
        return mapper.map_user(realm or "", self.get_claims(username, proxy_session))

    def is_for_realm(self, payload: dict, realm: str) -> bool:
        """Return whether the payload names ``realm`` (always, with no field to read)."""
        field = app_settings.PROXY_SESSION_REALM_FIELD
        if field is None or payload.get(field) == realm:
            return True
        logger.warning("Upstream proxy session rejected: it is not for realm %r (%s: %r).",
                       realm, field, str(payload.get(field))[:64])
        return False

    def get_username(self, payload: dict) -> str | None:
        """Return the username the payload names, or None."""
        username = payload.get("username")
        return username if isinstance(username, str) and username.strip() else None

    def get_claims(self, username: str, payload: dict) -> dict[str, Any]:
        """Return the claims the user mapper gets: name, email, full name split, roles."""
        claims: dict[str, Any] = {"preferred_username": username}
        if isinstance(payload.get("email"), str):
            claims["email"] = payload["email"]
        full_name = payload.get("full_name")
        if isinstance(full_name, str):
            first, _, last = full_name.strip().partition(" ")
            claims.update(given_name=first, family_name=last.strip())
        roles = payload.get("roles")
        claims["realm_access"] = {"roles": sorted(roles) if isinstance(roles, dict) else []}
        return claims
