"""Pipeline steps: the realm of a social login, then the user through the OIDC user mapping.

List them in SOCIAL_AUTH_PIPELINE in place of social-core's ``get_username``,
``create_user`` and ``user_details`` (README, "Social login")::

    "social_core.pipeline.social_auth.social_user",
    "eha_auth.social.pipeline.set_realm",
    "eha_auth.social.pipeline.map_user",
    "social_core.pipeline.social_auth.associate_user",

The realm comes from settings (``SOCIAL_AUTH_<BACKEND>_REALM``), else from the provider
(the claim named by ``SOCIAL_AUTH_<BACKEND>_REALM_CLAIM``, else a Keycloak issuer
``.../realms/<realm>``), else the current realm of the request (with MULTITENANCY).
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model

from ..accounts.realms import add_to_realm, current_realm
from ..oidc.realms import is_allowed_realm
from ..oidc.usercache import request_copy
from ..oidc.users import get_user_mapper
from ..realms import is_valid_realm
from ..users import split_username

logger = logging.getLogger(__name__)
KEYCLOAK_REALMS_PATH = "/realms/"


try:
    from social_core.exceptions import AuthForbidden  # type: ignore[attr-defined]  # older social-core only
except ImportError:  # newer social-core names this refusal AuthPolicyError
    from social_core.exceptions import AuthPolicyError as AuthForbidden


class RealmRefused(AuthForbidden):
    """The provider named a realm that is not allowed, or the user belongs to another."""


def provider_claims(backend, response: Any) -> dict[str, Any]:
    """Return what the provider said: the verified ID token's claims, then its answer."""
    claims = dict(getattr(backend, "id_token", None) or {})
    if isinstance(response, dict):
        claims.update(response)
    return claims


def realm_from_provider(backend, claims: dict[str, Any]) -> str | None:
    """Return the realm the provider names: REALM_CLAIM, else a Keycloak issuer's realm."""
    claim = backend.setting("REALM_CLAIM")
    value = claims.get(claim) if claim else None
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str) and value:
        return value
    issuer = claims.get("iss")
    if isinstance(issuer, str) and KEYCLOAK_REALMS_PATH in issuer:
        return issuer.rstrip("/").rsplit(KEYCLOAK_REALMS_PATH, 1)[1] or None
    return None


def realm_allowed(backend, realm: str) -> bool:
    """Return whether a realm named by the provider is allowed.

    SOCIAL_AUTH_<BACKEND>_REALMS (or SOCIAL_AUTH_REALMS) when set, else KEYCLOAK_REALMS
    or KEYCLOAK_REALM_RESOLVER; with none of them, no realm from a provider is allowed.
    """
    allowed = backend.setting("REALMS")
    if allowed is not None:
        return is_valid_realm(realm) and realm in allowed
    return is_allowed_realm(realm)


def set_realm(backend, strategy, response=None, *args, **kwargs) -> dict[str, Any]:
    """Pipeline step: decide the realm of this login (``realm`` for the next steps)."""
    realm = backend.setting("REALM")
    if not realm:
        realm = realm_from_provider(backend, provider_claims(backend, response))
        if realm is not None and not realm_allowed(backend, realm):
            logger.warning("social login through %s refused: realm %r not allowed",
                           backend.name, realm[:64])
            raise RealmRefused(backend, "realm not allowed")
    if not realm and strategy.request is not None:
        realm = current_realm(strategy.request)
    return {"realm": realm or None}


def user_claims(backend, details: dict[str, Any], response: Any) -> dict[str, Any]:
    """Return claims for the user mapping, from the provider and social-core's details."""
    claims = provider_claims(backend, response)
    for claim, detail in (("preferred_username", "username"), ("given_name", "first_name"),
                          ("family_name", "last_name"), ("email", "email")):
        if details.get(detail):
            claims[claim] = details[detail]
    if backend.setting("USERNAME_IS_FULL_EMAIL", False) and details.get("email"):
        claims["preferred_username"] = details["email"]
    return claims


def _existing(username: str):
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()


def map_user(backend, details, response=None, realm=None, social=None, *args,
             **kwargs) -> dict[str, Any]:
    """Pipeline step: the user of this login, created or updated by the OIDC user mapping.

    A returning user (already linked to this provider account) is updated. A first login
    never takes over an existing user of the same name unless
    SOCIAL_AUTH_<BACKEND>_ADOPT_EXISTING is True (for a provider that is the realm's
    authority, as its Keycloak is).
    """
    mapper = get_user_mapper()
    claims = user_claims(backend, details, response)
    if social is not None and social.user is not None:
        return {"user": _returning_user(mapper, social.user, realm, claims), "is_new": False}
    username = mapper.get_username(realm, claims)
    if not username:
        raise AuthForbidden(backend, "no usable username")
    existing = _existing(username)
    if existing is not None and not backend.setting("ADOPT_EXISTING", False):
        logger.warning("social login through %s refused: user %r exists and is not linked",
                       backend.name, username)
        raise AuthForbidden(backend, "user exists and is not linked")
    user = mapper.map_user(realm, claims)
    if user is None:  # inactive, or the name belongs to another account (eha_auth.oidc logs it)
        raise AuthForbidden(backend, "no active user for this account")
    user.eha_realm = realm
    return {"user": user, "is_new": existing is None}


def _returning_user(mapper, user, realm: str | None, claims: dict[str, Any]):
    prefix, _ = split_username(user.get_username())
    if realm and prefix and prefix != realm:
        raise RealmRefused(None, "user of another realm")
    if not user.is_active:
        raise AuthForbidden(None, "inactive user")
    mapper.update_user(user, realm, claims)
    add_to_realm(user, realm)
    user = request_copy(user)
    user.eha_realm = realm
    return user

