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


def test_wrong_key_says_so_in_plain_words(settings):
    account = ChannelAccount.objects.create(kind="facebook", name="Page", credentials=SECRET)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValueError, match="FIELD_ENCRYPTION_KEY"):
        ChannelAccount.objects.get(pk=account.pk)
