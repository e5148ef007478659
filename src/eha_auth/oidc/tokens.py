"""Local verification of the provider's JWTs: never a userinfo call per request."""

from __future__ import annotations

import time
from typing import Any

import jwt

from ..conf import app_settings
from . import jwks
from .cache import TTLCache, VerifiedClaims
from .errors import InvalidToken
from .realms import check_realm, issuer, realm_of_issuer

# RFC 8725 section 3.1: only asymmetric algorithms; `none` and HMAC (which a public key
# would turn into a shared secret) can never be enabled through settings.
ASYMMETRIC = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC"}
ACCESS_HEADER_TYPES = {None, "jwt", "at+jwt", "application/at+jwt"}
LOGOUT_HEADER_TYPES = {None, "jwt", "logout+jwt", "application/logout+jwt"}
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


# Verified claims by token digest, in this process, until min(exp, a short TTL).
verified_tokens = TTLCache()


def verify_access_token(realm: str, token: str, *, issued_to_us: bool = False) -> dict[str, Any]:
    """Return the claims of an access token of ``realm``, or raise InvalidToken.

    ``issued_to_us``: this client received the token itself from the token endpoint.
    """
    if not isinstance(token, str) or len(token) > app_settings.cached("KEYCLOAK_MAX_TOKEN_BYTES"):
        raise InvalidToken("token too long")
    # Keyed by the token itself: only verified tokens are kept, in this process only; the
    # two modes check different rules, so they never share an entry.
    digest = (realm, token, issued_to_us)
    claims = verified_tokens.get(digest)
    if claims is not None:
        return claims
    if issued_to_us:
        # A token the client received itself from the token endpoint is issued to it: its
        # authorized party is this client (OIDC Core 3.1.3.7 checks the ID token's aud;
        # Keycloak's access tokens name other audiences, such as "account").
        claims = decode(check_realm(realm), token, header_types=ACCESS_HEADER_TYPES,
                        audiences=None, require=["exp", "iat", "iss", "sub"])
        if claims.get("azp") != app_settings.KEYCLOAK_CLIENT_ID:
            raise InvalidToken("token issued to another client")
    else:
        claims = decode(check_realm(realm), token, header_types=ACCESS_HEADER_TYPES,
                        audiences=app_settings.KEYCLOAK_AUDIENCES)
    check_access_claims(claims)
    claims = VerifiedClaims(claims)
    expires_at = min(float(claims["exp"]), time.time() + app_settings.KEYCLOAK_TOKEN_CACHE_SECONDS)
    verified_tokens.set(digest, claims, expires_at)
    return claims


def check_access_claims(claims: dict) -> None:
    """Keycloak access tokens say ``typ: Bearer`` and name an authorized party."""
    if claims.get("typ", "Bearer") != "Bearer":
        raise InvalidToken("not an access token")
    azp = claims.get("azp")
    if azp is not None and azp not in app_settings.KEYCLOAK_AUTHORIZED_PARTIES:
        raise InvalidToken("azp not accepted")
    audience = claims.get("aud", [])
    audiences = audience if isinstance(audience, list) else [audience]
    if azp is None and len(audiences) > 1:
        raise InvalidToken("azp missing")  # OIDC Core 3.1.3.7: several audiences need azp


def verify_id_token(realm: str, token: str, *, nonce: str | None) -> dict[str, Any]:
    """Return the claims of an ID token issued to this client (OIDC Core 3.1.3.7)."""
    client_id = app_settings.KEYCLOAK_CLIENT_ID
    claims = decode(check_realm(realm), token, header_types=ACCESS_HEADER_TYPES,
                    audiences=[client_id])
    if claims.get("azp", client_id) != client_id:
        raise InvalidToken("ID token issued to another client")
    if nonce is not None and claims.get("nonce") != nonce:
        raise InvalidToken("nonce does not match")
    return claims


def verify_logout_token(token: str) -> tuple[str, dict[str, Any]]:
    """Return (realm, claims) of a Back-Channel Logout token (OIDC BCL 1.0 section 2.6)."""
    if not isinstance(token, str) or len(token) > app_settings.KEYCLOAK_MAX_TOKEN_BYTES:
        raise InvalidToken("token too long")
    realm = realm_of_token(token)
    claims = decode(realm, token, header_types=LOGOUT_HEADER_TYPES,
                    audiences=[app_settings.KEYCLOAK_CLIENT_ID], require=["iat", "jti", "iss"])
    events = claims.get("events")
    if not isinstance(events, dict) or BACKCHANNEL_EVENT not in events:
        raise InvalidToken("not a logout token")
    if "nonce" in claims or not (claims.get("sid") or claims.get("sub")):
        raise InvalidToken("not a logout token")
    return realm, claims


def realm_of_token(token: str) -> str:
    """Return the allowed realm whose issuer signed ``token`` (checked again when verified)."""
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed") from exc
    realm = realm_of_issuer(unverified.get("iss"))
    if realm is None:
        raise InvalidToken("issuer not accepted")
    return realm


def decode(realm: str, token: str, *, header_types: set, audiences: list[str] | None,
           require: list[str] | None = None) -> dict[str, Any]:
    """Verify signature, algorithm, issuer, audience and times; return the claims.

    ``audiences`` None: ``aud`` is not checked (the caller checks ``azp`` instead).
    """
    header = _header(token, header_types)
    key = jwks.signing_key(realm, header.get("kid"))
    algorithm = header["alg"]
    published_alg = getattr(key, "_jwk_data", {}).get("alg")
    if key.key_type != KEY_TYPES[algorithm[:2]] or published_alg not in (None, algorithm):
        raise InvalidToken("key does not fit the algorithm")
    leeway = app_settings.KEYCLOAK_LEEWAY
    try:
        claims = jwt.decode(
            token, key.key, algorithms=[algorithm], audience=audiences, issuer=issuer(realm),
            leeway=leeway,
            options={"require": require or ["exp", "iat", "iss", "sub", "aud"],
                     "verify_aud": audiences is not None, "verify_iss": True, "verify_exp": True,
                     "verify_nbf": True, "verify_iat": True})
    except jwt.PyJWTError as exc:
        raise InvalidToken(type(exc).__name__) from exc
    _check_times(claims, leeway)
    return claims


def _header(token: str, header_types: set) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed") from exc
    algorithm = header.get("alg")
    allowed = ASYMMETRIC.intersection(app_settings.KEYCLOAK_ALGORITHMS)
    if not isinstance(algorithm, str) or algorithm not in allowed:
        raise InvalidToken("algorithm not accepted")
    if "crit" in header:
        raise InvalidToken("critical header extensions are not understood")  # RFC 7515 4.1.11
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.lower() not in header_types):
        raise InvalidToken("wrong token type")
    return header


def _check_times(claims: dict, leeway: int) -> None:
    for name in ("exp", "nbf", "iat"):  # RFC 7519 section 2: NumericDate is a JSON number
        value = claims.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise InvalidToken(f"{name} is not a number")
    iat = claims.get("iat")
    if iat is not None and iat > time.time() + leeway:
        raise InvalidToken("issued in the future")
