"""Credentials at rest: a JSON field whose column holds a Fernet token, never the plain value."""

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


def _fernet():
    return MultiFernet([Fernet(key) for key in settings.FIELD_ENCRYPTION_KEYS])


def encrypt_json(value):
    return _fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


def decrypt_json(token):
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise ValueError(
            "Stored credentials cannot be decrypted: FIELD_ENCRYPTION_KEY does not hold the key "
            "they were saved with."
        ) from None


class EncryptedJSONField(models.TextField):
    """Dict in Python, Fernet token in the database (MultiFernet: the first key encrypts, all decrypt)."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return {}
        return decrypt_json(value)

    def to_python(self, value):
        if isinstance(value, dict):
            return value
        if value in (None, ""):
            return {}
        return decrypt_json(value)

    def get_prep_value(self, value):
        return encrypt_json(value or {})
