"""Hand-made tokens: valid claims to start from, attackers' keys, raw JOSE encoding."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from example.idp import seed

from tests.harness import logcheck

ATTACKER_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ATTACKER_EC = ec.generate_private_key(ec.SECP256R1())


def b64(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value) -> str:
    return b64(json.dumps(value))


def claims(idp, realm: str = "alpha", **overrides) -> dict:
    """Claims of a valid access token of ``realm``; None values are removed."""
    now = int(time.time())
    base = {"iss": idp.issuer(realm), "sub": "forged-subject", "aud": seed.CLIENT_ID,
            "azp": seed.CLIENT_ID, "exp": now + 300, "iat": now, "jti": str(uuid.uuid4()),
            "typ": "Bearer", "preferred_username": "alice", "email": "alice@alpha.test"}
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def unsigned(header: dict, payload: dict, signature: str = "") -> str:
    token = f"{b64json(header)}.{b64json(payload)}.{signature}"
    logcheck.register(token)
    return token


def hmac_signed(header: dict, payload: dict, secret: bytes) -> str:
    signing_input = f"{b64json(header)}.{b64json(payload)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{b64(signature)}"
    logcheck.register(token)
    return token


def attacker_signed(payload: dict, header: dict | None = None, algorithm: str = "RS256") -> str:
    key = ATTACKER_EC if algorithm.startswith("ES") else ATTACKER_RSA
    token = jwt.encode(payload, key, algorithm=algorithm, headers=header or {})
    logcheck.register(token)
    return token


def attacker_public_jwk() -> dict:
    return json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(ATTACKER_RSA.public_key()))


def public_pem(jwk: dict) -> bytes:
    key = jwt.PyJWK(jwk).key
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)
