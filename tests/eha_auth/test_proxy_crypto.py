"""The proxy session formats: v1 (AES-GCM, key ids), JWT, legacy deployutils."""

import base64
import json
import random
import time

import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured

from eha_auth.proxy import crypto
from eha_auth.proxy.crypto import SessionRejected

from .conftest import KEY_ONE, KEY_TWO

PAYLOAD = {"username": "alice", "email": "alice@example.org", "roles": {"manager": [
    {"slug": "acme", "printable_name": "ACME"}]}}


@pytest.fixture(autouse=True)
def keys(settings):
    settings.PROXY_SESSION_KEYS = {"k1": KEY_ONE, "k2": KEY_TWO}
    settings.PROXY_SESSION_WRITE_KEY_ID = "k1"


def test_round_trip_adds_exp():
    token = crypto.encrypt_payload(PAYLOAD)
    assert token.startswith("v1.k1.")
    decoded = crypto.decode_session(token)
    assert decoded["username"] == "alice" and decoded["exp"] > time.time()
    assert "alice" not in token


def test_rotation_reads_old_key_writes_new(settings):
    old = crypto.encrypt_payload(PAYLOAD)
    settings.PROXY_SESSION_WRITE_KEY_ID = "k2"
    new = crypto.encrypt_payload(PAYLOAD)
    assert new.startswith("v1.k2.")
    assert crypto.decode_session(old)["username"] == crypto.decode_session(new)["username"]
    settings.PROXY_SESSION_KEYS = {"k2": KEY_TWO}  # k1 retired
    with pytest.raises(SessionRejected, match="unknown key id 'k1'"):
        crypto.decode_session(old)


def test_key_id_is_authenticated():
    token = crypto.encrypt_payload(PAYLOAD)
    swapped = "v1.k2." + token.split(".", 2)[2]
    with pytest.raises(SessionRejected):
        crypto.decode_session(swapped)


def test_wrong_key_rejected_without_key_in_message(settings):
    token = crypto.encrypt_payload(PAYLOAD)
    settings.PROXY_SESSION_KEYS = {"k1": KEY_TWO}
    with pytest.raises(SessionRejected) as info:
        crypto.decode_session(token)
    assert KEY_ONE not in str(info.value) and KEY_TWO not in str(info.value)


def test_ten_thousand_single_bit_flips_all_rejected():
    token = crypto.encrypt_payload({**PAYLOAD, "exp": time.time() + 3600})
    raw = bytearray(token.encode())
    rng = random.Random(5)
    accepted = 0
    for _ in range(10_000):
        flipped = bytearray(raw)
        position = rng.randrange(len(flipped) * 8)
        flipped[position // 8] ^= 1 << (position % 8)
        try:
            crypto.decode_session(flipped.decode("latin-1"))
            accepted += 1
        except SessionRejected:
            pass
    assert accepted == 0


def test_expired_and_missing_exp_rejected():
    with pytest.raises(SessionRejected, match="expired"):
        crypto.decode_session(crypto.encrypt_payload({**PAYLOAD, "exp": time.time() - 1}))
    with pytest.raises(SessionRejected, match="no exp"):
        crypto.decode_session(crypto.encrypt_payload({**PAYLOAD, "exp": None}))


def test_non_canonical_base64_rejected():
    token = crypto.encrypt_payload(PAYLOAD)
    head, body = token.rsplit(".", 1)
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    padded = head + "." + base64.urlsafe_b64encode(raw).decode()
    if padded != token:
        with pytest.raises(SessionRejected):
            crypto.decode_session(padded)


def _key_bytes(key):
    return base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))


def test_jwt_accepted_with_exp():
    token = crypto.encode_jwt({"username": "alice"})
    assert crypto.decode_session(token)["username"] == "alice"


@pytest.mark.parametrize("keys,write_key_id", [({}, None), ({"k1": KEY_ONE}, "k9")])
def test_jwt_without_write_key_is_improperly_configured(settings, keys, write_key_id):
    settings.PROXY_SESSION_KEYS = keys
    settings.PROXY_SESSION_WRITE_KEY_ID = write_key_id
    with pytest.raises(ImproperlyConfigured, match="PROXY_SESSION_WRITE_KEY_ID"):
        crypto.encode_jwt({"username": "alice"})


def test_jwt_without_exp_rejected():
    token = jwt.encode({"username": "alice"}, _key_bytes(KEY_ONE), algorithm="HS256",
                       headers={"kid": "k1"})
    with pytest.raises(SessionRejected, match="MissingRequiredClaim"):
        crypto.decode_session(token)


def test_expired_jwt_rejected():
    token = jwt.encode({"username": "alice", "exp": int(time.time()) - 10},
                       _key_bytes(KEY_ONE), algorithm="HS256", headers={"kid": "k1"})
    with pytest.raises(SessionRejected, match="ExpiredSignature"):
        crypto.decode_session(token)


@pytest.mark.filterwarnings("ignore:The HMAC key is")  # the key length is not the point here
def test_jwt_with_wrong_algorithm_rejected():
    claims = {"username": "alice", "exp": int(time.time()) + 60}
    hs512 = jwt.encode(claims, _key_bytes(KEY_ONE), algorithm="HS512", headers={"kid": "k1"})
    with pytest.raises(SessionRejected, match="InvalidAlgorithm"):
        crypto.decode_session(hs512)
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": "k1"}).encode())
    body = base64.urlsafe_b64encode(json.dumps(claims).encode())
    unsigned = f"{header.decode().rstrip('=')}.{body.decode().rstrip('=')}."
    with pytest.raises(SessionRejected):
        crypto.decode_session(unsigned)


def test_jwt_signed_with_other_key_rejected():
    token = jwt.encode({"username": "a", "exp": int(time.time()) + 60}, b"x" * 32,
                       algorithm="HS256", headers={"kid": "k1"})
    with pytest.raises(SessionRejected):
        crypto.decode_session(token)


def test_legacy_format_only_when_enabled(settings):
    legacy = crypto.encrypt_legacy(PAYLOAD, "legacy-passphrase")
    with pytest.raises(SessionRejected, match="legacy format is not enabled"):
        crypto.decode_session(legacy)
    settings.PROXY_SESSION_LEGACY_KEY = "legacy-passphrase"
    assert crypto.decode_session(legacy)["username"] == "alice"


def test_legacy_format_matches_deployutils(settings):
    from deployutils import crypt as deployutils_crypt
    settings.PROXY_SESSION_LEGACY_KEY = "legacy-passphrase"
    theirs = deployutils_crypt.encrypt(json.dumps(PAYLOAD), "legacy-passphrase")
    assert crypto.decode_session(theirs.decode())["username"] == "alice"
    ours = crypto.encrypt_legacy(PAYLOAD, "legacy-passphrase")
    assert json.loads(deployutils_crypt.decrypt(ours, "legacy-passphrase")) == PAYLOAD


def test_malformed_key_is_improperly_configured(settings):
    settings.PROXY_SESSION_KEYS = {"k1": "short"}
    with pytest.raises(ImproperlyConfigured, match="k1") as info:
        crypto.encrypt_payload(PAYLOAD)
    assert "short" not in str(info.value)
