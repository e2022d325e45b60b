"""Reading a mailbox over IMAP: what is new since the cursor, fetched without marking it read.

The cursor is {"uidvalidity": V, "last_uid": U}. UIDs only mean something within one UIDVALIDITY:
when the server changes it (a mailbox rebuilt or restored), or on the first poll, the whole folder
is read again (the first time only the last few days) and ingest drops what it already has by
Message-ID. Messages are read with BODY.PEEK[], so nothing is flagged \\Seen for the people who
also use the mailbox in a mail program.

Memory stays bounded whatever is waiting: the sizes come first (RFC822.SIZE), then the messages in
batches of at most BATCH_MESSAGES whose sizes add up to at most a byte budget (one larger message
is a batch alone), each parsed and stored before the next is read; a message larger than PIECE is
read PIECE bytes per FETCH into a temporary file, never whole in memory.

Every failure becomes a ChannelError in plain words: permanent when only an admin can fix it (a
refused login, a missing folder), transient otherwise (the next poll tries again).

Also here: whether a message we sent is in the mailbox (mail_with_id_in), to look up a reply or a
letter whose send was cut off; its Sent folder is found by sent_folder.
"""

import io
import logging
import ssl
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from channels.base import ChannelError

log = logging.getLogger(__name__)

CHUNK = 50  # messages per MOVE: one round trip each
SIZES_PER_FETCH = 1000  # a size is a few bytes of answer
BATCH_MESSAGES = 50
PIECE = 2 * 1024 * 1024  # a larger message is read in pieces of this size, into a temporary file
# What the end of an error says happens next: a poll's failure is retried by the next poll.
POLL_AGAIN = "The next poll tries again."
LOOKUP_AGAIN = "The lookup is tried again later."
# Where mail programs and providers keep sent mail when the server flags no folder \Sent (RFC 6154).
SENT_FOLDER_NAMES = ("Sent", "Sent Items", "Sent Messages", "INBOX.Sent", "[Gmail]/Sent Mail")
SENT_FLAG = rb"\Sent"


class FolderMissing(ChannelError):
    """The folder to read is not in the mailbox (Test connection says so in its own words)."""


@dataclass(frozen=True)
class MailOnServer:
    uid: int
    size: int
    raw: IO[bytes]  # the whole message (only its header when larger than the limit), at its start
    complete: bool


@contextmanager
def imap_session(config, *, readonly=True, again=POLL_AGAIN):
    """Connect, log in and select the folder; yields (client, the SELECT response).

    Read-only (EXAMINE) unless we are going to move messages, so that reading cannot change a
    flag. Errors inside the `with` block are translated too: a connection dropped mid-fetch is a
    transient ChannelError, and nothing of the batch being fetched is returned. `again` ends the
    message of a transient error: what happens next.
    """
    client = None
    try:
        client = _connect(config)
        client.login(config.username, config.password)
        yield client, _select(client, config, readonly)
    except ChannelError:
        raise
    except (IMAPClientError, OSError) as error:
        raise translated(error, config, again=again) from error
    finally:
        if client is not None:
            _close_quietly(client)


def _connect(config):
    if config.security == "ssl":
        return IMAPClient(
            config.host,
            config.port,
            ssl=True,
            ssl_context=ssl.create_default_context(),
            timeout=config.timeout,
        )
    client = IMAPClient(config.host, config.port, ssl=False, timeout=config.timeout)
    if config.security == "starttls":
        client.starttls(ssl.create_default_context())
    return client


def _select(client, config, readonly):
    try:
        return client.select_folder(config.folder, readonly=readonly)
    except IMAPClientAbortError:
        raise
    except IMAPClientError as error:
        if not client.folder_exists(config.folder):
            raise FolderMissing(
                f"The folder {config.folder!r} does not exist in the mailbox of {config.username} — "
                "an admin must correct the folder to read.",
                permanent=True,
            ) from error
        raise


def _close_quietly(client):
    # The connection may already be gone (that is often why we are here): never mask the real error.
    try:
        client.logout()
    except (IMAPClientError, OSError):
        try:
            client.shutdown()
        except OSError:
            pass


def translated(error, config, *, again=POLL_AGAIN):
    where = f"{config.host}:{config.port}"
    if isinstance(error, LoginError):
        return ChannelError(
            f"The mail server refused the login for {config.username} — an admin must update the password.",
            permanent=True,
        )
    if isinstance(error, ssl.SSLCertVerificationError):
        return ChannelError(
            f"The mail server {where} presented a certificate we do not trust ({error.verify_message}) — "
            "an admin must check the IMAP host and security settings.",
            permanent=True,
        )
    if isinstance(error, ssl.SSLError):
        return ChannelError(
            f"Could not agree on TLS with the mail server {where} ({error.reason or error}). {again} "
            "If this goes on, an admin should check the IMAP port and security settings."
        )
    if isinstance(error, ConnectionRefusedError):
        return ChannelError(f"Could not connect to the mail server {where}: connection refused. {again}")
    if isinstance(error, TimeoutError):
        return ChannelError(f"The mail server {where} did not answer within {config.timeout:g} s. {again}")
    if isinstance(error, (IMAPClientAbortError, OSError)) and again == POLL_AGAIN:
        return ChannelError(
            f"Lost the connection to the mail server {where} ({error}). What this poll had not stored yet "
            "stays on the server; the next poll reads it again."
        )
    if isinstance(error, (IMAPClientAbortError, OSError)):
        return ChannelError(f"Lost the connection to the mail server {where} ({error}). {again}")
    return ChannelError(f"The mail server {where} answered with an error: {error}. {again}")


def uids_to_read(client, selected, cursor, *, first_poll_days):
    """(the UIDs to read, oldest first; the cursor that covers them)."""
    uidvalidity = selected[b"UIDVALIDITY"]
    if cursor.get("uidvalidity") == uidvalidity:
        last_uid = int(cursor.get("last_uid", 0))
        # "UID n:*" always matches the newest message, even when its UID is below n.
        uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
        return uids, {"uidvalidity": uidvalidity, "last_uid": max([last_uid, *uids])}
    if "uidvalidity" in cursor:
        log.warning(
            "UIDVALIDITY changed from %s to %s: reading the folder again", cursor["uidvalidity"], uidvalidity
        )
        uids = sorted(client.search(["ALL"]))
    else:
        since = datetime.now(UTC).date() - timedelta(days=first_poll_days)
        uids = sorted(client.search(["SINCE", since]))
    # Everything below UIDNEXT existed when we selected, and was searched: older mail skipped by
    # SINCE on the first poll stays skipped.
    floor = int(selected.get(b"UIDNEXT", 1)) - 1
    return uids, {"uidvalidity": uidvalidity, "last_uid": max([floor, *uids])}


def mail_sizes(client, uids):
    """{uid: RFC822.SIZE}; a message expunged by someone else since the SEARCH is not in it."""
    sizes = {}
    for start in range(0, len(uids), SIZES_PER_FETCH):
        chunk = set(uids[start : start + SIZES_PER_FETCH])
        answer = client.fetch(sorted(chunk), ["RFC822.SIZE"])
        sizes.update((uid, data[b"RFC822.SIZE"]) for uid, data in answer.items() if uid in chunk)
    return sizes


def batches(uids, sizes, *, max_bytes, batch_bytes, batch_messages=BATCH_MESSAGES):
    """`uids` (oldest first) in batches of at most `batch_messages` whose sizes add up to at most
    `batch_bytes`; a larger message is a batch alone. One over `max_bytes` weighs nothing (only its
    header is read); one without a size (expunged) is left out."""
    found, batch, weight = [], [], 0
    for uid in (uid for uid in uids if uid in sizes):
        size = sizes[uid] if sizes[uid] <= max_bytes else 0
        if batch and (len(batch) == batch_messages or weight + size > batch_bytes):
            found.append(batch)
            batch, weight = [], 0
        batch.append(uid)
        weight += size
    return [*found, batch] if batch else found


def fetch_batch(client, uids, sizes, *, max_bytes):
    """The messages of one batch, oldest first: small ones in one FETCH, each larger one in pieces
    into a temporary file, only the header of one over `max_bytes`. A message expunged by someone
    else since the SEARCH is simply not returned."""
    whole = [uid for uid in uids if sizes[uid] <= min(max_bytes, PIECE)]
    large = [uid for uid in uids if PIECE < sizes[uid] <= max_bytes]
    too_large = [uid for uid in uids if sizes[uid] > max_bytes]
    found = _read(client, whole, b"BODY[]", sizes, complete=True)
    found += [
        mail for mail in (_read_in_pieces(client, uid, sizes[uid]) for uid in large) if mail is not None
    ]
    found += _read(client, too_large, b"BODY[HEADER]", sizes, complete=False)
    return sorted(found, key=lambda mail: mail.uid)


def _read(client, uids, part, sizes, *, complete):
    if not uids:
        return []
    # BODY.PEEK leaves the \Seen flag alone; the server answers under the BODY[...] name.
    request = part.decode().replace("BODY[", "BODY.PEEK[")
    fetched = client.fetch(uids, [request])
    return [
        MailOnServer(uid=uid, size=sizes[uid], raw=io.BytesIO(fetched[uid][part]), complete=complete)
        for uid in uids
        if uid in fetched and fetched[uid].get(part) is not None
    ]


def _read_in_pieces(client, uid, size):
    """BODY.PEEK[]<offset.PIECE> until a short piece (RFC822.SIZE may be approximate), each piece
    written to a temporary file; None if the message is gone."""
    spool = tempfile.TemporaryFile(prefix="oss-inbox-mail-")
    offset = 0
    try:
        while True:
            answer = client.fetch([uid], [f"BODY.PEEK[]<{offset}.{PIECE}>"]).get(uid, {})
            piece = answer.get(f"BODY[]<{offset}>".encode())
            if piece is None:
                spool.close()
                return None
            spool.write(piece)
            offset += len(piece)
            if len(piece) < PIECE:
                spool.seek(0)
                return MailOnServer(uid=uid, size=size, raw=spool, complete=True)
    except BaseException:
        spool.close()
        raise


def move_mail(client, uids, folder):
    """Move messages to `folder` (created if missing): UID MOVE, or COPY + \\Deleted + EXPUNGE."""
    if not client.folder_exists(folder):
        client.create_folder(folder)
    for start in range(0, len(uids), CHUNK):
        chunk = uids[start : start + CHUNK]
        if client.has_capability("MOVE"):
            client.move(chunk, folder)
            continue
        client.copy(chunk, folder)
        client.add_flags(chunk, [b"\\Deleted"], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(chunk)  # only ours, not whatever else someone flagged \Deleted
        else:
            client.expunge()


def sent_folder(client, configured=""):
    """The mailbox's folder of sent mail: the one `configured` on the account, else the folder the
    server flags \\Sent (RFC 6154), else one with a usual name; None if there is none."""
    listed = client.list_folders()
    names = [name for _flags, _delimiter, name in listed]
    if configured:
        if configured not in names:
            raise ChannelError(
                f"The Sent folder {configured!r} set on this account does not exist in the mailbox — "
                "an admin must correct it.",
                permanent=True,
            )
        return configured
    flagged = [name for flags, _delimiter, name in listed if SENT_FLAG in flags]
    by_name = {name.lower(): name for name in names}
    usual = [by_name[name.lower()] for name in SENT_FOLDER_NAMES if name.lower() in by_name]
    return next(iter(flagged + usual), None)


def mail_with_id_in(client, folders, message_id):
    """The first of `folders` (those that exist) holding our message `message_id` (without <>), or a
    message answering it (In-Reply-To: a customer's answer proves ours arrived); None if none does.
    Each folder is opened read-only: looking changes no flag."""
    existing = {name for _flags, _delimiter, name in client.list_folders()}
    for folder in dict.fromkeys(folder for folder in folders if folder in existing):
        client.select_folder(folder, readonly=True)
        for header in ("Message-ID", "In-Reply-To"):
            if client.search(["HEADER", header, f"<{message_id}>"]):
                return folder
    return None
