"""Credentials at rest: a JSON field whose column holds a Fernet token, never the plain value.

A token this server's keys cannot decrypt (saved under another FIELD_ENCRYPTION_KEY or, without
one, another SECRET_KEY: the demo's and bench/generate.py's rows served with a real key) reads as
UnreadableCredentials instead of raising: every page that loads the row still works, the channel
code refuses to use it (channels.registry), and it is saved back unchanged until new values are
assigned, so adding the right key later still recovers it.
"""

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class UnreadableCredentials(dict):
    """Credentials that cannot be decrypted here: empty to whoever reads them; assign a new dict to replace
    them."""

    def __init__(self, token):
        super().__init__()
        self.token = token

    def __setitem__(self, key, value):
        raise TypeError("Saved credentials that cannot be read are replaced whole: assign a new dict.")

    update = setdefault = __setitem__

    def __repr__(self):
        return "UnreadableCredentials(...)"


def credentials_unreadable(value):
    return isinstance(value, UnreadableCredentials)


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


def _read(token):
    try:
        return decrypt_json(token)
    except ValueError:
        return UnreadableCredentials(token)


class EncryptedJSONField(models.TextField):
    """Dict in Python, Fernet token in the database (MultiFernet: the first key encrypts, all decrypt)."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return {}
        return _read(value)

    def to_python(self, value):
        if isinstance(value, dict):
            return value
        if value in (None, ""):
            return {}
        return _read(value)

    def get_prep_value(self, value):
        if credentials_unreadable(value):
            return value.token  # kept as it was: this server cannot read it, the right key still can
        return encrypt_json(value or {})
