"""Every token in the corpus gets 401 (never 200 nor 500), through each way tokens come in."""

from __future__ import annotations

import time

import pytest
import requests
from example.idp import seed

from tests.eha_auth import forge
from tests.eha_auth.conftest import SERVICE
from tests.eha_auth.views import Items

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("auth_settings")]
ITEMS = f"/alpha/{SERVICE}/api/items/"
WHOAMI = f"/alpha/{SERVICE}/whoami/"


@pytest.fixture(scope="module")
def corpus(idp):
    """Build the corpus once, against the real provider's keys and tokens."""
    if len([key for key in idp.keys("alpha")["keys"] if not key["retired"]]) < 2:
        idp.add_key("alpha")  # two published keys, so "no kid" is ambiguous
    keys = requests.get(idp.issuer("alpha") + "/protocol/openid-connect/certs", timeout=5).json()
    signing = idp.keys("alpha")["signing"]
    jwk = next(key for key in keys["keys"] if key["kid"] == signing)
    good = idp.tokens("alpha", "alice", client_id=seed.PUBLIC_CLIENT_ID)
    access = good["access_token"]
    head, body, signature = access.split(".")
    now = int(time.time())
    c = lambda **kw: forge.claims(idp, **kw)  # noqa: E731
    sign = lambda claims, header=None: idp.sign("alpha", claims, header)  # noqa: E731
    evil = f"{idp.url}/evil/jwks.json"
    cases = {
        "alg none": forge.unsigned({"alg": "none", "typ": "JWT"}, c()),
        "alg None capitalised": forge.unsigned({"alg": "None"}, c()),
        "alg none with kid": forge.unsigned({"alg": "none", "kid": signing}, c(), signature),
        "HS256 with the RSA public key (PEM)": forge.hmac_signed(
            {"alg": "HS256", "kid": signing}, c(), forge.public_pem(jwk)),
        "HS256 with the modulus": forge.hmac_signed(
            {"alg": "HS256", "kid": signing}, c(), jwk["n"].encode()),
        "HS512 with the RSA public key": forge.hmac_signed(
            {"alg": "HS512", "kid": signing}, c(), forge.public_pem(jwk)),
        "expired": sign(c(exp=now - 3600, iat=now - 7200)),
        "no exp": sign(c(exp=None)),
        "exp as a string": sign(c(exp=str(now + 300))),
        "nbf in the future": sign(c(nbf=now + 3600)),
        "iat far in the future": sign(c(iat=now + 3600, exp=now + 7200)),
        "iat not a number": sign(c(iat="yesterday")),
        "no iat": sign(c(iat=None)),
        "wrong issuer": sign(c(iss="https://id.example.org/realms/alpha")),
        "issuer with a trailing slash": sign(c(iss=idp.issuer("alpha") + "/")),
        "another realm's issuer, signed by this realm": sign(c(iss=idp.issuer("beta"))),
        "another realm's valid token": idp.gateway_token("beta", "alice"),
        "no issuer": sign(c(iss=None)),
        "wrong aud (other client's real token)": idp.access_token("alpha", "alice",
                                                                  client_id="other"),
        "wrong azp (rogue client's real token)": idp.access_token("alpha", "alice",
                                                                  client_id="rogue"),
        "no aud": sign(c(aud=None)),
        "several aud, no azp": sign(c(aud=["eha", "account"], azp=None)),
        "azp of another client": sign(c(azp="other")),
        "no sub": sign(c(sub=None)),
        "no preferred_username": sign(c(preferred_username=None)),
        "unknown kid": sign(c(), {"kid": "no-such-key"}),
        "kid not a string": sign(c(), {"kid": 7}),
        "no kid with two keys": sign(c(), {"kid": None}),
        "kid of this realm, attacker's key": forge.attacker_signed(c(), {"kid": signing}),
        "kid of another realm": idp.sign("beta", c()),
        "tampered payload": f"{head}.{forge.b64json({**c(), 'preferred_username': 'bob'})}"
                            f".{signature}",
        "tampered header": f"{forge.b64json({'alg': 'RS256', 'kid': signing, 'x': 1})}"
                           f".{body}.{signature}",
        "signature stripped": f"{head}.{body}.",
        "signature of another token": f"{head}.{body}."
                                      f"{idp.gateway_token('alpha', 'bob').split('.')[2]}",
        "truncated": access[:-12],
        "two segments": f"{head}.{body}",
        "four segments": f"{access}.{signature}",
        "not base64": "abc!.d$f.gh*",
        "header not JSON": f"{forge.b64('not json')}.{body}.{signature}",
        "payload not JSON": f"{head}.{forge.b64('not json')}.{signature}",
        "payload a JSON list": sign(["not", "claims"]),
        "empty": " ",
        "1 MB token": "a" * (1024 * 1024),
        "huge header": forge.unsigned({"alg": "RS256", "kid": signing, "pad": "x" * 40000},
                                      c(), signature),
        "crit header": sign(c(), {"crit": ["exp"], "exp": now}),
        "jku pointing elsewhere": forge.attacker_signed(c(), {"kid": signing, "jku": evil}),
        "x5u pointing elsewhere": forge.attacker_signed(c(), {"kid": signing, "x5u": evil}),
        "embedded jwk": forge.attacker_signed(
            c(), {"kid": signing, "jwk": forge.attacker_public_jwk()}),
        "x5c chain": forge.attacker_signed(c(), {"kid": signing, "x5c": ["MIIB"]}),
        "wrong typ header": sign(c(), {"typ": "logout+jwt"}),
        "ID token instead of access token": good["id_token"],
        "refresh typ": sign(c(typ="Refresh")),
        "ES256 header, RSA key": forge.attacker_signed(c(), {"kid": signing}, "ES256"),
        "PS256 header, RS256 key": forge.attacker_signed(c(), {"kid": signing}, "PS256"),
        "alg lower case": forge.unsigned({"alg": "rs256", "kid": signing}, c(), signature),
        "non-ASCII": "\u00f1\u00e9.\u00fc.\u00df",
        "scheme prefixed": f"Bearer {access}",
    }
    return cases


CASES = [
    "alg none", "alg None capitalised", "alg none with kid", "HS256 with the RSA public key (PEM)",
    "HS256 with the modulus", "HS512 with the RSA public key", "expired", "no exp",
    "exp as a string", "nbf in the future", "iat far in the future", "iat not a number",
    "no iat", "wrong issuer", "issuer with a trailing slash",
    "another realm's issuer, signed by this realm", "another realm's valid token", "no issuer",
    "wrong aud (other client's real token)", "wrong azp (rogue client's real token)", "no aud",
    "several aud, no azp", "azp of another client", "no sub", "no preferred_username",
    "unknown kid", "kid not a string", "no kid with two keys",
    "kid of this realm, attacker's key", "kid of another realm", "tampered payload",
    "tampered header", "signature stripped", "signature of another token", "truncated",
    "two segments", "four segments", "not base64", "header not JSON", "payload not JSON",
    "payload a JSON list", "empty", "1 MB token", "huge header", "crit header",
    "jku pointing elsewhere", "x5u pointing elsewhere", "embedded jwk", "x5c chain",
    "wrong typ header", "ID token instead of access token", "refresh typ",
    "ES256 header, RSA key", "PS256 header, RS256 key", "alg lower case", "non-ASCII",
    "scheme prefixed",
]


def test_the_corpus_is_large_and_complete(corpus):
    assert len(CASES) >= 40
    assert set(CASES) == set(corpus)


def test_a_good_token_gets_through(client, idp):
    token = idp.gateway_token("alpha", "alice")
    answer = client.get(ITEMS, HTTP_X_OAUTH_TOKEN=token)
    assert answer.status_code == 200, answer.content
    assert answer.json()["user"] == "alpha__alice"


@pytest.mark.parametrize("case", CASES)
def test_bad_gateway_token_is_401(client, corpus, case):
    for path in (ITEMS, WHOAMI):
        answer = client.get(path, HTTP_X_OAUTH_TOKEN=corpus[case])
        assert answer.status_code == 401, (case, path, answer.status_code)
        assert answer["WWW-Authenticate"].startswith('Bearer realm="alpha"')


@pytest.mark.parametrize("case", CASES)
def test_bad_bearer_token_is_401(rf, corpus, case):
    """Authorization: Bearer on a request whose realm (request.realm) is alpha."""
    request = rf.get("/api/items/", HTTP_AUTHORIZATION=f"Bearer {corpus[case]}")
    request.realm = "alpha"  # what eha_tenancy's middleware sets
    answer = Items.as_view()(request)
    assert answer.status_code == 401, (case, answer.status_code)
    assert answer["WWW-Authenticate"].startswith("Bearer")


def test_bearer_token_of_its_own_realm_passes(rf, client, idp):
    request = rf.get("/api/items/", HTTP_AUTHORIZATION=f"Bearer {idp.gateway_token('beta')}")
    request.realm = "beta"
    answer = Items.as_view()(request)
    assert answer.status_code == 200 and answer.data["user"] == "beta__alice"
    # Without a realm on the request, the issuer names the realm.
    answer = client.get("/api/items/", HTTP_AUTHORIZATION=f"Bearer {idp.gateway_token('beta')}")
    assert answer.status_code == 200 and answer.json()["user"] == "beta__alice"


def test_a_genuine_looking_token_without_sub_is_refused_when_introspected(
        client, idp, corpus, settings):
    """A token without ``sub`` reads as lightweight; the provider never issued this one."""
    settings.KEYCLOAK_INTROSPECT_LIGHTWEIGHT_TOKENS = True
    introspect = "/realms/alpha/protocol/openid-connect/token/introspect"
    before = idp.requests_to(introspect)
    for path in (ITEMS, WHOAMI):
        assert client.get(path, HTTP_X_OAUTH_TOKEN=corpus["no sub"]).status_code == 401
    assert idp.requests_to(introspect) - before == 2  # "not active": nothing to keep


def test_token_headers_never_make_us_fetch_anything(client, idp, corpus):
    """jku, x5u and jwk are ignored: the provider (where they point) sees no request."""
    client.get(ITEMS, HTTP_X_OAUTH_TOKEN=idp.gateway_token())  # keys cached
    before = idp.stats()
    for case in ("jku pointing elsewhere", "x5u pointing elsewhere", "embedded jwk",
                 "x5c chain"):
        assert client.get(ITEMS, HTTP_X_OAUTH_TOKEN=corpus[case]).status_code == 401
    after = idp.stats()
    assert after.get("/evil/jwks.json", 0) == 0
    assert after["total"] - before["total"] == 1  # the second stats call itself
