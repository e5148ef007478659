"""RS256 JWT access tokens shaped as Keycloak's, signed with the realm's current key."""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from .realms import issuer, public_username

# Where a code keeps the provider session it was issued in (the grant's stored claims).
SSO_CLAIM = "idp_sid"


def subject(user) -> str:
    """Return a stable subject for ``user`` (Keycloak uses a UUID per user)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"idp-user:{user.pk}:{user.username}"))


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


def access_token(request, refresh_token: bool = False) -> str:
    client, user = request.client, request.user
    now = int(time.time())
    audiences = [client.client_id, *client.audiences.split()]
    claims = {
        "iss": issuer(client.realm.name),
        "sub": subject(user),
        "aud": audiences if len(audiences) > 1 else audiences[0],
        "azp": client.client_id,
        "exp": now + int(request.expires_in),
        "iat": now,
        "jti": str(uuid.uuid4()),
        "typ": "Bearer",
        "sid": session_id(request),
        "scope": " ".join(request.scopes or []),
        **profile_claims(user),
    }
    return sign(client.realm, claims)


def refresh_token(request, refresh_token: bool = False) -> str:
    # Opaque, but it carries the provider session id so refreshes keep `sid`.
    return f"{session_id(request)}.{secrets.token_urlsafe(32)}"
