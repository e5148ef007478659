"""RS256 JWT access tokens shaped as Keycloak's, signed with the realm's current key."""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from .models import Subject
from .realms import issuer, public_username

# Where a code keeps the provider session it was issued in (the grant's stored claims).
SSO_CLAIM = "idp_sid"


def subject_of(user) -> str:
    """Return the subject of ``user``: a UUID per user row, kept through renames (as Keycloak)."""
    return str(Subject.objects.get_or_create(user=user)[0].uuid)


# The account console's roles every Keycloak user holds by default (default-roles-<realm>):
# Keycloak's Audience Resolve mapper then puts the "account" client in `aud`.
ACCOUNT_ROLES = ["manage-account", "manage-account-links", "view-profile"]


def profile_claims(user) -> dict:
    return {
        "preferred_username": public_username(user.username),
        "email": user.email,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "name": f"{user.first_name} {user.last_name}".strip(),
        "realm_access": {"roles": sorted(user.groups.values_list("name", flat=True))},
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(realm, claims, header: dict | None = None, key=None) -> str:
    """Return ``claims`` signed RS256 with ``key`` (the realm's signing key by default).

    Any header goes (tests forge ``crit``, ``jku``...); a header value None drops the field.
    """
    key = key or realm.signing_key()
    full_header = {"alg": "RS256", "typ": "JWT", "kid": key.kid, **(header or {})}
    full_header = {name: value for name, value in full_header.items() if value is not None}
    signing_input = f"{_b64(json.dumps(full_header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = key.private_key().sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def session_id(request) -> str:
    """Return the provider session of this grant: kept through refreshes (see refresh_token).

    A code carries the browser's session (see RealmValidator.save_authorization_code); a
    password grant starts a session of its own, as in Keycloak.
    """
    if not getattr(request, "idp_sid", None):
        incoming = getattr(request, "refresh_token", None) or ""
        claims = getattr(request, "claims", None)
        browser = claims.get(SSO_CLAIM) if isinstance(claims, dict) else None
        request.idp_sid = (incoming.split(".", 1)[0] if "." in incoming
                           else browser or str(uuid.uuid4()))
    return request.idp_sid


def user_claims(client, user) -> dict:
    """The claims about the user, left out of a lightweight access token.

    ``aud`` as Keycloak fills it: the client's Audience mappers, then "account" (Audience
    Resolve, for the default account roles); never the client asking for the token, which
    is ``azp``. One audience is a string, several a list.
    """
    audiences = [*client.audiences.split(), "account"]
    return {
        "sub": subject_of(user),
        "aud": audiences if len(audiences) > 1 else audiences[0],
        **profile_claims(user),
        "resource_access": {"account": {"roles": ACCOUNT_ROLES}},
    }


def access_token(request, refresh_token: bool = False) -> str:
    client, user = request.client, request.user
    now = int(time.time())
    claims = {
        "iss": issuer(client.realm.name),
        "azp": client.client_id,
        "exp": now + int(request.expires_in),
        "iat": now,
        "jti": str(uuid.uuid4()),
        "typ": "Bearer",
        "sid": session_id(request),
        "scope": " ".join(request.scopes or []),
    }
    if not client.lightweight_access_tokens:
        claims.update(user_claims(client, user))
    return sign(client.realm, claims)


def refresh_token(request, refresh_token: bool = False) -> str:
    # Opaque, but it carries the provider session id so refreshes keep `sid`.
    return f"{session_id(request)}.{secrets.token_urlsafe(32)}"
