"""Large inbound attachments arrive in temporary files (channels/email/spool.py): ingest moves them
into storage instead of copying their bytes, and can do so again when a failed batch is retried."""

import os
from dataclasses import replace

import pytest

from channels.base import InboundAttachment
from oss_inbox.tickets.models import Attachment, UnprocessedItem
from oss_inbox.tickets.services import ingest

from ..factories import email

pytestmark = pytest.mark.django_db

CONTENT = b"%PDF-1.7 " + bytes(range(256)) * 4000


@pytest.fixture
def spooled(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    file = open(tmp_path / "oss-inbox-1.part", "w+b")  # as NamedTemporaryFile leaves it
    file.write(CONTENT)
    file.flush()
    yield InboundAttachment("bill.pdf", "application/pdf", file=file)
    file.close()


def test_a_spooled_attachment_is_moved_into_storage_not_copied(mailbox, spooled, tmp_path):
    ingest(mailbox, [email(attachments=(spooled,))])

    stored = Attachment.objects.get()
    assert (stored.filename, stored.content_type, stored.size) == (
        "bill.pdf",
        "application/pdf",
        len(CONTENT),
    )
    assert os.stat(stored.file.path).st_ino == os.stat(spooled.file.name).st_ino  # the same file: no copy
    os.remove(spooled.file.name)  # the channel deletes its temporary file when done
    with stored.file.open("rb") as content:
        assert content.read() == CONTENT
    assert sorted(path.name for path in tmp_path.iterdir()) == ["media"]  # no link left behind


def test_a_batch_that_failed_after_moving_an_attachment_stores_it_when_retried_item_by_item(mailbox, spooled):
    good = email(message_id="bill@mail.example", attachments=(spooled,), minutes=0)
    # Its attachment has no name at all: writing it fails after the first message's was moved.
    broken = replace(
        email(message_id="broken@mail.example", minutes=1), attachments=(replace(spooled, filename=None),)
    )

    result = ingest(mailbox, [good, broken])

    assert (result.stored, result.failed) == (1, 1)
    assert UnprocessedItem.objects.get().external_id == "broken@mail.example"
    stored = Attachment.objects.get()
    assert stored.message.external_id == "bill@mail.example"
    with stored.file.open("rb") as content:
        assert content.read() == CONTENT
