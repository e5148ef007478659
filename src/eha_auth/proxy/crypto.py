"""Encrypted session payloads forwarded by an upstream proxy.

Current format: ``v1.<key id>.<urlsafe base64 of nonce + AES-256-GCM ciphertext>``,
the ``v1.<key id>`` prefix bound to the ciphertext as associated data, and an
``exp`` claim inside. Several keys can be read (``PROXY_SESSION_KEYS``), one is
written (``PROXY_SESSION_WRITE_KEY_ID``), so keys rotate without logging anyone out.

Also read: ``Authorization: Bearer`` JWTs signed with one of the same keys (``exp``
required, algorithms from ``PROXY_SESSION_JWT_ALGORITHMS``), and, only when
``PROXY_SESSION_LEGACY_KEY`` is set, the legacy deployutils format (AES-256-CBC,
OpenSSL "Salted__" header, MD5 key derivation, no integrity check).

Errors never carry key material or the payload.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
import re
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

from ..conf import app_settings

VERSION = "v1"
NONCE_BYTES = 12
TAG_BYTES = 16
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class SessionRejected(Exception):
    """A forwarded session that cannot be trusted; the message is safe to log."""


def new_key() -> str:
    """Return a fresh 32-byte key, urlsafe base64, for PROXY_SESSION_KEYS."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def key_bytes(key_id: str, key: str) -> bytes:
    """Return the 32 bytes of a configured key, or raise naming the key id only."""
    try:
        raw = _b64decode(key) if isinstance(key, str) else b""
    except SessionRejected:
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"PROXY_SESSION_KEYS[{key_id!r}] is not 32 bytes of urlsafe base64; "
            "make one with `manage.py eha_proxy_session newkey`.")
    return raw


@functools.lru_cache(maxsize=64)
def _aead(key_id: str, key: str) -> AESGCM:
    return AESGCM(key_bytes(key_id, key))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    """Decode canonical unpadded urlsafe base64 only: one encoding per byte string."""
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise SessionRejected("not urlsafe base64")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SessionRejected("not urlsafe base64") from exc
    # Unused low bits of the last character would let two texts decode alike.
    if _b64encode(raw) != text:
        raise SessionRejected("not canonical base64")
    return raw


def _write_key_id(key_id: str | None = None) -> str:
    """Return ``key_id`` or PROXY_SESSION_WRITE_KEY_ID, a key id of PROXY_SESSION_KEYS."""
    key_id = key_id or app_settings.PROXY_SESSION_WRITE_KEY_ID
    if not key_id or key_id not in app_settings.PROXY_SESSION_KEYS:
        raise ImproperlyConfigured(
            "No write key: set PROXY_SESSION_KEYS and PROXY_SESSION_WRITE_KEY_ID.")
    return key_id


def encrypt_payload(payload: dict[str, Any], *, key_id: str | None = None,
                    max_age: int | None = None) -> str:
    """Return ``payload`` encrypted with the write key, with ``exp`` added when absent."""
    key_id = _write_key_id(key_id)
    keys = app_settings.PROXY_SESSION_KEYS
    data = dict(payload)
    if "exp" not in data:
        data["exp"] = int(time.time()) + (max_age or app_settings.PROXY_SESSION_MAX_AGE)
    plaintext = json.dumps(data, separators=(",", ":"), default=str).encode()
    nonce = os.urandom(NONCE_BYTES)
    header = f"{VERSION}.{key_id}"
    sealed = _aead(key_id, keys[key_id]).encrypt(nonce, plaintext, header.encode())
    return f"{header}.{_b64encode(nonce + sealed)}"


def decrypt_payload(token: str, *, now: float | None = None) -> dict[str, Any]:
    """Return the payload of a ``v1`` token, or raise SessionRejected."""
    version, key_id, body = _split(token)
    key = app_settings.PROXY_SESSION_KEYS.get(key_id)
    if key is None:
        raise SessionRejected(f"unknown key id {key_id!r}")
    raw = _b64decode(body)
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise SessionRejected("too short")
    try:
        plaintext = _aead(key_id, key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], f"{version}.{key_id}".encode())
    except InvalidTag as exc:
        raise SessionRejected(f"cannot be decrypted with key id {key_id!r}") from exc
    return check_expiry(_json_object(plaintext), now=now)


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3 or parts[0] != VERSION or not KEY_ID.fullmatch(parts[1]):
        raise SessionRejected("not a v1 session")
    return parts[0], parts[1], parts[2]


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SessionRejected("payload is not JSON") from exc
    if not isinstance(payload, dict):
        raise SessionRejected("payload is not a JSON object")
    return payload


def check_expiry(payload: dict[str, Any], *, now: float | None = None) -> dict[str, Any]:
    """Return ``payload`` when its ``exp`` is a number in the future, else raise."""
    exp = payload.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise SessionRejected("no exp")
    if exp <= (time.time() if now is None else now):
        raise SessionRejected("expired")
    return payload


def decode_jwt(token: str) -> dict[str, Any]:
    """Return the claims of a session JWT signed with a configured key (``exp`` required)."""
    import jwt  # optional (the proxy extra): needed only for JWT sessions

    keys = app_settings.PROXY_SESSION_KEYS
    try:
        key_id = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError as exc:
        raise SessionRejected("malformed JWT") from exc
    candidates = [key_id] if key_id in keys else ([] if key_id else list(keys))
    if not candidates:
        raise SessionRejected(f"unknown key id {key_id!r}")
    for candidate in candidates:
        try:
            return jwt.decode(token, key_bytes(candidate, keys[candidate]),
                              algorithms=app_settings.PROXY_SESSION_JWT_ALGORITHMS,
                              options={"require": ["exp"], "verify_aud": False})
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise SessionRejected(f"JWT rejected ({type(exc).__name__})") from exc
    raise SessionRejected("JWT signature does not match any key")


def encode_jwt(claims: dict[str, Any], *, key_id: str | None = None,
               algorithm: str = "HS256") -> str:
    """Return ``claims`` as a JWT signed with a configured key (``exp`` added when absent)."""
    import jwt  # optional (the proxy extra): needed only for JWT sessions

    key_id = _write_key_id(key_id)
    key = key_bytes(key_id, app_settings.PROXY_SESSION_KEYS[key_id])
    data = {"exp": int(time.time()) + app_settings.PROXY_SESSION_MAX_AGE, **claims}
    return jwt.encode(data, key, algorithm=algorithm, headers={"kid": key_id})


# The legacy deployutils format, read for migration only.

LEGACY_MAGIC = b"Salted__"


def _legacy_key_iv(passphrase: bytes, salt: bytes) -> tuple[bytes, bytes]:
    """OpenSSL's EVP_BytesToKey with MD5, one round: 32-byte key, 16-byte IV."""
    material, block = b"", b""
    while len(material) < 48:
        digest = hashes.Hash(hashes.MD5())  # noqa: S303 - the legacy format, read only
        digest.update(block + passphrase + salt)
        block = digest.finalize()
        material += block
    return material[:32], material[32:48]


def decrypt_legacy(token: str | bytes, passphrase: str) -> dict[str, Any]:
    """Return the payload of a legacy (AES-256-CBC, OpenSSL salted) session."""
    try:
        raw = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SessionRejected("legacy session is not base64") from exc
    if len(raw) < 32 or not raw.startswith(LEGACY_MAGIC) or (len(raw) - 16) % 16:
        raise SessionRejected("not a legacy session")
    key, iv = _legacy_key_iv(passphrase.encode(), raw[8:16])
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plaintext = unpadder.update(decryptor.update(raw[16:]) + decryptor.finalize())
        plaintext += unpadder.finalize()
    except ValueError as exc:
        raise SessionRejected("legacy session cannot be decrypted") from exc
    return _json_object(plaintext)


def encrypt_legacy(payload: dict[str, Any], passphrase: str) -> str:
    """Return ``payload`` in the legacy format (for migration tests and tooling)."""
    salt = os.urandom(8)
    key, iv = _legacy_key_iv(passphrase.encode(), salt)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(json.dumps(payload).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    sealed = encryptor.update(padded) + encryptor.finalize()
    return base64.b64encode(LEGACY_MAGIC + salt + sealed).decode()


def decode_session(token: str) -> dict[str, Any]:
    """Return the payload of any accepted form: v1, JWT, or (when enabled) legacy."""
    if not isinstance(token, str) or not token or len(token) > 16384:
        raise SessionRejected("empty or oversized")
    if token.startswith(f"{VERSION}."):
        return decrypt_payload(token)
    if token.count(".") == 2:
        return decode_jwt(token)
    legacy_key = app_settings.PROXY_SESSION_LEGACY_KEY
    if legacy_key:
        return decrypt_legacy(token, legacy_key)
    raise SessionRejected("unknown format (the legacy format is not enabled)")
