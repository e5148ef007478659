"""Local verification of the provider's JWTs: never a userinfo call per request.

Access tokens reach the app two ways. Tokens presented TO it (the gateway's header, a
Bearer header) must name it in ``aud`` and come from an accepted client (``azp``). Tokens
it obtained itself from the token endpoint (login grants, refresh) are issued to it, and
name it in ``azp``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import jwt

from ..conf import app_settings
from . import jwks
from .cache import TTLCache, VerifiedClaims
from .client import call_provider
from .errors import InvalidToken, ProviderRejected, ProviderUnavailable, SetupMismatch
from .realms import check_realm, issuer, realm_in_issuer, realm_of_issuer

logger = logging.getLogger("eha_auth.oidc")

# RFC 8725 section 3.1: only asymmetric algorithms; `none` and HMAC (which a public key
# would turn into a shared secret) can never be enabled through settings.
ASYMMETRIC = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC"}
ACCESS_HEADER_TYPES = {None, "jwt", "at+jwt", "application/at+jwt"}
LOGOUT_HEADER_TYPES = {None, "jwt", "logout+jwt", "application/logout+jwt"}
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# What an RFC 7662 answer adds to the token's own claims.
INTROSPECTION_FIELDS = ("active", "client_id", "username", "token_type")


# Verified claims by (kind, realm, token), in this process, until min(exp, a short TTL).
verified_tokens = TTLCache()


def verify_access_token(realm: str, token: str) -> dict[str, Any]:
    """Return the claims of an access token presented to this app (gateway, Bearer header)."""
    return _verified(realm, token, "presented", check_access_claims)


def verify_own_access_token(realm: str, token: str) -> dict[str, Any]:
    """Return the claims of an access token this app got from the realm's token endpoint.

    The app received it itself, from the token endpoint, as the answer to its own grant
    (OIDC Core 3.1.3.3): it is issued TO this client, which ``azp`` names (OIDC Core 2).
    ``aud`` names the resource servers the token is meant for (RFC 9068 section 3), never
    the requesting client: Keycloak fills it with the clients whose roles the token carries
    ("account") and with Audience mappers. So ``azp`` must be KEYCLOAK_CLIENT_ID, and
    ``aud`` need not name us; the ID token's ``aud`` still must (verify_id_token).
    """
    return _verified(realm, token, "own", check_own_claims)


def _verified(realm: str, token: str, kind: str,
              check: Callable[[dict], None]) -> dict[str, Any]:
    if not isinstance(token, str) or len(token) > app_settings.cached("KEYCLOAK_MAX_TOKEN_BYTES"):
        raise InvalidToken("token too long")
    # Keyed by the token itself and how it reached us: only verified tokens are kept, in
    # this process only (a token verified as our own is not thereby a presented one).
    digest = (kind, realm, token)
    claims = verified_tokens.get(digest)
    if claims is not None:
        return claims
    claims = access_claims(check_realm(realm), token)
    check(claims)
    claims = VerifiedClaims(claims)
    expires_at = min(float(claims["exp"]), time.time() + app_settings.KEYCLOAK_TOKEN_CACHE_SECONDS)
    verified_tokens.set(digest, claims, expires_at)
    return claims


def access_claims(realm: str, token: str) -> dict[str, Any]:
    """Return the claims of an access token of ``realm``; a lightweight one is introspected."""
    claims = decode(realm, token, header_types=ACCESS_HEADER_TYPES, audiences=None,
                    require=["exp", "iat", "iss"])
    if claims.get("typ", "Bearer") != "Bearer":
        raise InvalidToken("not an access token")
    if "sub" in claims:
        return claims
    return introspected_claims(realm, token, claims)


def introspected_claims(realm: str, token: str, claims: dict[str, Any]) -> dict[str, Any]:
    """Return the full claims of a lightweight access token (no ``sub``, ``aud``, profile).

    Keycloak 25+ clients with "Always use lightweight access token" leave the user's claims
    out of the JWT; the realm's introspection endpoint (RFC 7662) still gives them, to this
    app's confidential client.
    """
    if not app_settings.KEYCLOAK_INTROSPECT_LIGHTWEIGHT_TOKENS:
        raise SetupMismatch(
            "lightweight access token (no sub/aud): turn off 'Always use lightweight access "
            f"token' on client {_shown(claims.get('azp'))}, or set "
            "KEYCLOAK_INTROSPECT_LIGHTWEIGHT_TOKENS")
    try:
        answer = call_provider(realm, "introspection", lambda client: client.introspect(token))
    except ProviderRejected as exc:
        logger.warning("token introspection refused in realm %s: check KEYCLOAK_CLIENT_ID and "
                       "KEYCLOAK_CLIENT_SECRET (a confidential client)", realm)
        raise ProviderUnavailable("introspection refused") from exc
    if not isinstance(answer, dict) or answer.get("active") is not True:
        raise InvalidToken("token not active (introspection)")  # RFC 7662 section 2.2
    if any(answer.get(name) != claims.get(name) for name in ("iss", "azp", "jti")):
        raise InvalidToken("introspection answer is about another token")
    if not isinstance(answer.get("sub"), str):
        raise InvalidToken("introspection answer without sub")
    full = {name: value for name, value in answer.items() if name not in INTROSPECTION_FIELDS}
    return {**full, **claims}  # what the signed token says wins


def check_access_claims(claims: dict) -> None:
    """A presented token names one of KEYCLOAK_AUDIENCES and an accepted ``azp``."""
    audiences = _audiences(claims)
    azp = claims.get("azp")
    if azp is not None and not isinstance(azp, str):
        raise InvalidToken("azp is not a string")
    if azp is None and len(audiences) > 1:
        raise InvalidToken("azp missing")  # OIDC Core 3.1.3.7: several audiences need azp
    accepted = app_settings.KEYCLOAK_AUDIENCES
    problems = []
    if not set(audiences) & set(accepted):
        problems.append(_audience_problem(azp, audiences, accepted))
    if azp is not None and azp not in app_settings.KEYCLOAK_AUTHORIZED_PARTIES:
        problems.append(f"client {_shown(azp)} is not in KEYCLOAK_AUTHORIZED_PARTIES")
    if problems:
        raise SetupMismatch("; ".join(problems))


def check_own_claims(claims: dict) -> None:
    """A token the app obtained itself was issued to KEYCLOAK_CLIENT_ID (see verify_own_...)."""
    client_id = app_settings.KEYCLOAK_CLIENT_ID
    azp = claims.get("azp")
    if azp != client_id and not (azp is None and client_id in _audiences(claims)):
        raise InvalidToken("access token issued to another client")


def _audiences(claims: dict) -> list[str]:
    aud = claims.get("aud", [])
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        raise InvalidToken("aud is not a string or a list of strings")
    return audiences


def _audience_problem(azp: str | None, audiences: list[str], accepted: list[str]) -> str:
    """Say, in Keycloak's terms, what makes a client's tokens carry our audience."""
    wanted = _shown(accepted[0]) if len(accepted) == 1 else f"any of {_shown(accepted)}"
    if azp is None:
        return f"token without azp has aud {_shown(audiences)} without {wanted}"
    return (f"token of client {_shown(azp)} has aud {_shown(audiences)} without {wanted}: "
            f"add an Audience mapper for {_shown(accepted[0])} to client {_shown(azp)} "
            "(README, Keycloak setup)")


def _shown(value: object) -> str:
    """``value`` for a log line: a client id or audiences, never long (they are no secret)."""
    if isinstance(value, list):
        return repr([str(item)[:120] for item in value[:10]])
    return repr(value[:120] if isinstance(value, str) else value)


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
    """Return the allowed realm ``token``'s issuer names (checked exactly when verified)."""
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed") from exc
    # The exact issuer, else the allowed realm the issuer names: verifying the token with
    # that realm's keys then says whether only the issuer URL differs (see decode).
    realm = realm_of_issuer(unverified.get("iss")) or realm_in_issuer(unverified.get("iss"))
    if realm is None:
        raise InvalidToken("issuer not accepted")
    return realm


def decode(realm: str, token: str, *, header_types: set, audiences: list[str] | None,
           require: list[str] | None = None) -> dict[str, Any]:
    """Verify signature, algorithm, issuer, audience and times; return the claims.

    ``audiences`` None: ``aud`` is left to the caller (access tokens, see _verified).
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
                     "verify_aud": audiences is not None, "verify_iss": True,
                     "verify_exp": True, "verify_nbf": True, "verify_iat": True})
    except jwt.InvalidIssuerError as exc:
        raise _issuer_mismatch(realm, token) from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken(type(exc).__name__) from exc
    _check_times(claims, leeway)
    return claims


def _issuer_mismatch(realm: str, token: str) -> InvalidToken:
    """Say which issuer a genuine token carries when it is not the one expected.

    PyJWT checks claims only once the signature is verified, so this ``iss`` is the
    provider's: Keycloak takes it from its front-end URL (its ``hostname``), which may
    differ from the back-end URL the app calls (KEYCLOAK_SERVER_URL).
    """
    iss = jwt.decode(token, options={"verify_signature": False}).get("iss")
    if not isinstance(iss, str):
        return InvalidToken("iss is not a string")
    return SetupMismatch(
        f"token issuer {_shown(iss)} differs from the expected {_shown(issuer(realm))}: set "
        "KEYCLOAK_ISSUER_URL to the URL tokens carry, up to /realms (or Keycloak's hostname "
        "to the URL the app expects)")


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
