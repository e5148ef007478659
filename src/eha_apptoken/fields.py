"""A model field whose value is stored encrypted (see crypto.py)."""

from __future__ import annotations

import logging

from django.db import models

from . import crypto

logger = logging.getLogger(__name__)


class EncryptedTextField(models.TextField):
    """Store text encrypted with the app's Fernet keys; read it back decrypted.

    A value that no configured key opens (a lost key, a tampered row) reads as
    None, so the token is obtained again instead of failing the request.
    """

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        try:
            return crypto.decrypt(value)
        except crypto.InvalidToken:
            logger.warning("eha_apptoken: a stored token cannot be decrypted with the "
                           "configured keys; it will be obtained again.")
            return None

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return None
        return crypto.encrypt(value)
