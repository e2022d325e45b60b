"""Channel credentials are encrypted at rest and survive a key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from channels.models import ChannelAccount

pytestmark = pytest.mark.django_db

SECRET = {"access_token": "EAAB-very-secret-token"}


def stored_column(account):
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM channels_channelaccount WHERE id = %s", [account.pk])
        return cursor.fetchone()[0]


def test_credentials_are_not_stored_in_plain_text():
    account = ChannelAccount.objects.create(kind="facebook", name="Page", credentials=SECRET)
    assert "very-secret" not in stored_column(account)
    assert ChannelAccount.objects.get(pk=account.pk).credentials == SECRET


def test_old_key_still_decrypts_after_rotation(settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    account = ChannelAccount.objects.create(kind="facebook", name="Page", credentials=SECRET)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    assert ChannelAccount.objects.get(pk=account.pk).credentials == SECRET


def test_a_wrong_key_reads_as_unreadable_credentials_kept_as_they_were(settings):
    """Rows saved under another key load (no page breaks), read as empty and unreadable, and are
    saved back unchanged: adding the right key later still recovers them."""
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    account = ChannelAccount.objects.create(kind="facebook", name="Page", credentials=SECRET)
    token = stored_column(account)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    loaded = ChannelAccount.objects.get(pk=account.pk)
    assert loaded.credentials_unreadable and loaded.credentials == {}
    with pytest.raises(TypeError):
        loaded.credentials["access_token"] = "typed into the old dict"
    loaded.save()
    assert stored_column(account) == token
    settings.FIELD_ENCRYPTION_KEYS = [*settings.FIELD_ENCRYPTION_KEYS, old_key]
    assert ChannelAccount.objects.get(pk=account.pk).credentials == SECRET
