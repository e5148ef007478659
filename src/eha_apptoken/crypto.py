"""Encryption of tokens at rest: Fernet (AES-128-CBC + HMAC-SHA256) with key rotation.

Keys come from ``APPTOKEN_ENCRYPTION_KEYS`` (the first encrypts, every one
decrypts), or, when unset, are derived from SECRET_KEY and
SECRET_KEY_FALLBACKS with HKDF-SHA256 (RFC 5869), so rotating SECRET_KEY the
Django way keeps old rows readable until ``apptoken_rotate_key`` re-encrypts them.
Each process remembers the plaintexts of the last 1,024 ciphertexts it opened,
per key set, so a cached token costs one decryption per process, not one per use.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .conf import app_settings

HKDF_SALT = b"eha_apptoken"
HKDF_INFO = b"eha_apptoken token encryption v1"

__all__ = ["InvalidToken", "decrypt", "derive_key", "encrypt"]


@lru_cache(maxsize=16)
def derive_key(secret: str) -> bytes:
    """Return a Fernet key derived from a secret (such as SECRET_KEY) with HKDF."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


def configured_keys() -> tuple[bytes, ...]:
    """Return the keys in use, the encrypting one first."""
    keys = app_settings.cached("ENCRYPTION_KEYS")
    if keys:
        return tuple(k.encode() if isinstance(k, str) else bytes(k) for k in keys)
    return tuple(derive_key(secret) for secret in app_settings.cached("SECRET_KEYS") if secret)


@lru_cache(maxsize=8)
def _fernet(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    """Return the MultiFernet for the current settings (built once per key set)."""
    return _fernet(configured_keys())


def encrypt(plaintext: str) -> str:
    """Return the Fernet token (text) encrypting ``plaintext`` with the first key."""
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Return the plaintext; raise InvalidToken if no key opens it or it was altered."""
    return _decrypted(configured_keys(), ciphertext)


@lru_cache(maxsize=1024)
def _decrypted(keys: tuple[bytes, ...], ciphertext: str) -> str:
    # Remembered per key set: a ciphertext always opens to the same plaintext under
    # the same keys, and a key set without the ciphertext's key is another entry
    # (which fails). Only what this process already decrypted is kept, in memory.
    return _fernet(keys).decrypt(ciphertext.encode()).decode()

