"""Large mail in bounded memory: a poll reads, stores and moves mail one batch at a time (bounded by
count and bytes), reads a large message in pieces, and large attachments go through temporary files.

The polls go through channels.polling.account_poll against a real Dovecot on loopback, as in
test_email_adapter.py; CuttingProxy sees the commands the adapter sends and can drop the connection.
"""

import base64
import email
import hashlib
import random
import re
import tempfile
from email import policy
from email.message import EmailMessage

import pytest

from channels.email.imap import batches
from channels.email.parse import parse_email
from channels.email.spool import RawMessage
from channels.polling import account_poll
from channels.registry import adapter_for
from oss_inbox.tickets.models import Attachment, Message
from oss_inbox.tickets.services import ingest

from .. import factories
from .corpus import require_corpus
from .dovecot import CuttingProxy
from .mail_samples import MAILBOX, large_mail

pytestmark = pytest.mark.django_db


def mail_account(imap, **settings):
    return factories.account(
        "email",
        settings={**imap.settings(), "timeout_seconds": "5", **settings},
        credentials=imap.credentials(),
    )


def poll(account):
    result = account_poll(account.pk, force=True)
    account.refresh_from_db()
    return result


def stored_ids(account):
    return sorted(Message.objects.filter(account=account).values_list("external_id", flat=True))


def body_fetches(proxy):
    """The FETCH commands that asked for whole messages (BODY.PEEK[]) or pieces of one (BODY.PEEK[]<...>)."""
    return re.findall(rb"UID FETCH \S+ \(BODY\.PEEK\[\](<[\d.]+>)?\)", bytes(proxy.from_client))


def mail_with_attachment(message_id, filename, data):
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = "Maria Lopez <maria@example.com>"
    message["To"] = MAILBOX
    message["Subject"] = "Meter photos"
    message["Message-ID"] = f"<{message_id}>"
    message.set_content("The photos you asked for are attached.\n")
    message.add_attachment(data, maintype="application", subtype="zip", filename=filename)
    return message.as_bytes()


@pytest.fixture
def spool_dir(tmp_path, monkeypatch):
    """Temporary files of this test go here, to see that none is left behind."""
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    return spool


# ---- batches --------------------------------------------------------------------------------------


def test_batches_stay_under_the_byte_budget_and_the_count_and_a_larger_message_goes_alone():
    sizes = {1: 400, 2: 400, 3: 300, 4: 5000, 5: 100, 6: 100, 7: 999_999, 9: 1, 10: 1}  # 8 was expunged

    planned = batches(list(range(1, 11)), sizes, max_bytes=10_000, batch_bytes=1000, batch_messages=3)

    # 7 is over the size limit: only its header is read, so it weighs nothing.
    assert planned == [[1, 2], [3], [4], [5, 6, 7], [9, 10]]


def test_a_poll_over_the_byte_budget_fetches_in_batches_and_each_is_stored_and_moved_before_the_next(dovecot):
    uids = [dovecot.deliver(large_mail(f"m{number}@example.com", 60_000)) for number in (1, 2, 3)]
    proxy = CuttingProxy(dovecot.port)
    account = mail_account(
        dovecot, imap_port=str(proxy.port), batch_bytes="100000", processed_folder="Processed"
    )

    assert poll(account).stored == 3

    assert len(body_fetches(proxy)) == 3  # 60 KB each, 100 KB at a time: one message per FETCH
    assert stored_ids(account) == ["m1@example.com", "m2@example.com", "m3@example.com"]
    assert account.cursor == {"uidvalidity": dovecot.uidvalidity(), "last_uid": uids[-1]}
    assert (dovecot.flags(), len(dovecot.flags("Processed"))) == ({}, 3)
    proxy.close()


def test_a_connection_lost_in_the_second_batch_keeps_the_first_and_the_next_poll_reads_the_rest_once(dovecot):
    uids = [dovecot.deliver(large_mail(f"m{number}@example.com", 60_000)) for number in (1, 2, 3)]
    proxy = CuttingProxy(dovecot.port, cut_after=90_000)  # in the middle of the second message
    account = mail_account(
        dovecot, imap_port=str(proxy.port), batch_bytes="100000", processed_folder="Processed"
    )

    assert poll(account) is None

    assert account.last_error.startswith(f"Lost the connection to the mail server 127.0.0.1:{proxy.port}")
    assert stored_ids(account) == ["m1@example.com"]
    assert account.cursor == {"uidvalidity": dovecot.uidvalidity(), "last_uid": uids[0]}
    assert (len(dovecot.flags()), len(dovecot.flags("Processed"))) == (2, 1)

    proxy.cut_after = None
    assert poll(account).stored == 2
    proxy.close()
    assert stored_ids(account) == ["m1@example.com", "m2@example.com", "m3@example.com"]
    assert (account.cursor["last_uid"], account.last_error) == (uids[-1], "")


def test_a_worker_that_stops_between_batches_leaves_the_cursor_after_the_stored_one(dovecot):
    uids = [dovecot.deliver(large_mail(f"m{number}@example.com", 60_000)) for number in (1, 2, 3)]
    account = mail_account(dovecot, batch_bytes="100000")
    fetching = adapter_for(account).fetch_batches(account.cursor)

    first = next(fetching)
    ingest(account, first.items, first.cursor)
    fetching.close()  # the worker dies before asking for the second batch
    account.refresh_from_db()

    assert (stored_ids(account), account.cursor["last_uid"]) == (["m1@example.com"], uids[0])
    assert poll(account).stored == 2
    assert stored_ids(account) == ["m1@example.com", "m2@example.com", "m3@example.com"]


# ---- large messages and attachments ----------------------------------------------------------------


def test_a_large_attachment_arrives_intact_read_in_pieces_through_temporary_files(
    dovecot, settings, tmp_path, spool_dir
):
    settings.MEDIA_ROOT = tmp_path / "media"
    data = random.Random(6).randbytes(3 * 1024 * 1024)
    dovecot.deliver(mail_with_attachment("photos@example.com", "meter-photos.zip", data))
    proxy = CuttingProxy(dovecot.port)

    assert poll(mail_account(dovecot, imap_port=str(proxy.port))).stored == 1
    proxy.close()

    assert [piece for piece in body_fetches(proxy)] == [
        b"<0.2097152>",
        b"<2097152.2097152>",
        b"<4194304.2097152>",
    ]
    stored = Attachment.objects.get()
    assert (stored.filename, stored.content_type, stored.size) == (
        "meter-photos.zip",
        "application/zip",
        len(data),
    )
    with stored.file.open("rb") as content:
        assert hashlib.sha256(content.read()).digest() == hashlib.sha256(data).digest()
    assert list(spool_dir.iterdir()) == []  # the message's and the attachment's temporary files are gone


def test_a_large_attachment_is_decoded_into_a_temporary_file_with_the_bytes_the_email_package_gives(
    spool_dir,
):
    data = random.Random(7).randbytes(1536 * 1024 + 1)
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    assert encoded.endswith(b"==\r\n")
    well_formed = zip_mail(encoded)
    # Broken base64 is decoded the email package's forgiving way instead: whole, but the same bytes.
    no_padding = zip_mail(encoded[: -len(b"==\r\n")])
    stray_space = zip_mail(encoded[:1000] + b" " + encoded[1000:])

    for raw in (well_formed, no_padding, stray_space):
        (attachment,) = parse_email(raw).attachments
        expected = list(email.message_from_bytes(raw, policy=policy.default).walk())[-1].get_payload(
            decode=True
        )
        assert (attachment.data, attachment.filename, attachment.size) == (
            None,
            "meter-photos.zip",
            len(expected),
        )
        assert attachment.file.read() == expected
    assert parse_email(well_formed).attachments[0].file.read() == data


def zip_mail(encoded):
    return (
        b"From: maria@example.com\r\nTo: help@utility.example\r\nMessage-ID: <photos@example.com>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b0undary"\r\n\r\n'
        b"--b0undary\r\nContent-Type: text/plain\r\n\r\nThe photos are attached.\r\n"
        b"--b0undary\r\nContent-Type: application/zip\r\n"
        b'Content-Disposition: attachment; filename="meter-photos.zip"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"\r\n--b0undary--\r\n"
    )


def test_a_message_fed_in_chunks_parses_as_email_message_from_bytes_does():
    corpus = require_corpus() / "email"
    for path in sorted(corpus.glob("*/*.eml")):
        raw = path.read_bytes()
        for parsing_policy in (policy.default, policy.compat32):
            assert _leaves(RawMessage(raw).parsed(parsing_policy)) == _leaves(
                email.message_from_bytes(raw, policy=parsing_policy)
            ), path.name


def _leaves(message):
    found = []
    for part in message.walk():
        try:
            payload = None if part.is_multipart() else part.get_payload(decode=True)
        except Exception as error:  # noqa: BLE001 - the same failure either way is the same result
            payload = repr(error)
        found.append((part.get_content_type(), list(part.keys()), payload))
    return found
