"""The one entry point for every inbound item from every channel."""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, DataError, IntegrityError, transaction

from channels.base import Unparseable
from channels.models import ChannelAccount

from ..contacts import identity_for_author
from ..models import Attachment, Message, Ticket, UnprocessedItem
from ..threading import find_ticket
from .lifecycle import ticket_open, ticket_record_inbound, ticket_record_outbound, ticket_reopen

log = logging.getLogger(__name__)

# A concurrent ingest (another account, or a replay) may insert the same identity, ticket or
# message between our look-up and our insert: the unique constraint refuses ours, and a second
# look finds theirs.
ATTEMPTS_PER_ITEM = 3


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    tickets_opened: int = 0
    set_aside: int = 0
    failed: int = 0
    errors: list = field(default_factory=list)


def ingest(account, items, cursor=None, *, lease=None):
    """Store a batch of inbound items of one channel account, each exactly once.

    1. Lock the account row, so that batches of one account are applied one at a time.
    2. Store each item in its own savepoint: skip it if already stored; resolve its author's
       contact; find its ticket (or open one, or reopen a resolved one); store the message.
    3. An item that cannot be stored is recorded as UnprocessedItem with its error; the batch goes on.
    4. Advance the account's cursor (if given) in the same transaction as the messages it covers,
       unless `lease` is given and another poll has taken the account over since (its cursor wins).
    """
    result = IngestResult()
    with transaction.atomic():
        locked = ChannelAccount.objects.select_for_update().get(pk=account.pk)
        for item in sorted(items, key=_order):
            _ingest_item(locked, item, result)
        lease_lost = lease is not None and locked.lease_token != lease
        if lease_lost:
            log.warning("Poll of %s outlived its lease; its items are stored, its cursor is not", account)
        if cursor is not None and not lease_lost:
            locked.cursor = cursor
            locked.save(update_fields=["cursor"])
            account.cursor = cursor
    return result


def _order(item):
    # Unparseable items first; then oldest first, so that a reply finds its parent from the same batch.
    if isinstance(item, Unparseable):
        return (0, "", "")
    return (1, item.sent_at.isoformat(), item.external_id)


def _ingest_item(account, item, result):
    if isinstance(item, Unparseable):
        _record_failure(account, item.external_id, item.error, item.raw, result)
        return
    try:
        outcome = _store_with_retries(account, item)
    except DatabaseError as error:
        if not isinstance(error, (DataError, IntegrityError)):
            raise  # the database itself failed: abort the batch, the cursor stays behind
        _record_failure(account, item.external_id, _describe(error), item.raw, result)
        return
    except Exception as error:  # noqa: BLE001 - one bad item must not block the batch; it is recorded
        log.warning("Ingest of %s on %s failed", item.external_id, account, exc_info=True)
        _record_failure(account, item.external_id, _describe(error), item.raw, result)
        return
    if outcome == "opened":
        result.tickets_opened += 1
        outcome = "stored"
    setattr(result, outcome, getattr(result, outcome) + 1)


def _describe(error):
    return f"{type(error).__name__}: {error}"


def _record_failure(account, external_id, error, raw, result):
    _set_aside(account, external_id, UnprocessedItem.Reason.ERROR, error, raw)
    result.failed += 1
    result.errors.append(f"{external_id or '(no id)'}: {error}")


def _store_with_retries(account, item):
    for attempt in range(1, ATTEMPTS_PER_ITEM + 1):
        try:
            with transaction.atomic():
                return _store(account, item)
        except IntegrityError:
            if attempt == ATTEMPTS_PER_ITEM:
                raise


def _set_aside(account, external_id, reason, error, raw):
    with transaction.atomic():
        UnprocessedItem.objects.bulk_create(
            [UnprocessedItem(account=account, external_id=external_id, reason=reason, error=error, raw=raw or {})],
            ignore_conflicts=True,
        )


def _store(account, item):
    existing = Message.objects.filter(account=account, external_id=item.external_id).first()
    if existing is not None:
        _reconcile_echo(existing)
        return "duplicates"
    if account.self_external_id and item.author.external_id == account.self_external_id:
        return _store_own_post(account, item)
    identity = identity_for_author(account.kind, item.author)
    contact = identity.contact
    ticket = find_ticket(account, item, contact)
    if item.is_automatic:
        return _store_automatic(account, item, ticket, identity)
    opened = ticket is None
    if ticket is None:
        ticket = ticket_open(account=account, contact=contact, item=item)
    elif ticket.status == Ticket.Status.RESOLVED:
        if item.sent_at - ticket.resolved_at <= settings.REOPEN_WINDOW:
            ticket_reopen(ticket, because_of=item.external_id)
        else:
            ticket = ticket_open(account=account, contact=contact, item=item, previous=ticket)
            opened = True
    message = _create_message(account, ticket, item, Message.Direction.INBOUND, author_identity=identity)
    ticket_record_inbound(ticket, message)
    return "opened" if opened else "stored"


def _store_own_post(account, item):
    """Our own post came back in a poll: link it to the conversation it answers, never a ticket."""
    ticket = find_ticket(account, item)
    if ticket is None:
        _set_aside(account, item.external_id, UnprocessedItem.Reason.OWN_POST, "", item.raw)
        return "set_aside"
    if _reconcile_cut_off_send(ticket, item):
        return "duplicates"
    message = _create_message(account, ticket, item, Message.Direction.OUTBOUND, delivery_state=Message.Delivery.SENT)
    ticket_record_outbound(ticket, message.sent_at, outside_app=True)
    return "stored"


def _reconcile_cut_off_send(ticket, item):
    """Our post whose send was cut off before we learnt its id: it went out; record its id."""
    pending = ticket.messages.filter(
        direction=Message.Direction.OUTBOUND, delivery_state__in=["sending", "unknown"], external_id__isnull=True
    )
    for message in pending:
        if " ".join(message.text.split()) == " ".join(item.text.split()):
            Message.objects.filter(pk=message.pk).update(
                delivery_state=Message.Delivery.SENT, external_id=item.external_id, url=item.url[:1000], delivery_error=""
            )
            return True
    return False


def _store_automatic(account, item, ticket, identity):
    """Auto-replies and bounces are kept on the ticket they concern, but never open one or touch SLA."""
    if ticket is None:
        _set_aside(account, item.external_id, UnprocessedItem.Reason.AUTOMATIC_UNTHREADED, "", item.raw)
        return "set_aside"
    _create_message(account, ticket, item, Message.Direction.INBOUND, author_identity=identity)
    return "stored"


def _reconcile_echo(message):
    """A reply whose send was cut off mid-flight has evidently gone out: its echo is in the poll."""
    if message.direction == Message.Direction.OUTBOUND and message.delivery_state in ("sending", "unknown"):
        Message.objects.filter(pk=message.pk).update(delivery_state=Message.Delivery.SENT, delivery_error="")


def _create_message(account, ticket, item, direction, *, author_identity=None, delivery_state=""):
    message = Message.objects.create(
        ticket=ticket,
        account=account,
        external_id=item.external_id,
        in_reply_to=item.reply_to_ids[0] if item.reply_to_ids else "",
        direction=direction,
        kind=item.kind,
        is_automatic=item.is_automatic,
        author_identity=author_identity,
        subject=item.subject[:500],
        text=item.text,
        html=item.html,
        url=item.url[:1000],
        context=item.context,
        raw=item.raw,
        sent_at=item.sent_at,
        delivery_state=delivery_state,
    )
    for attachment in item.attachments:
        stored = Attachment(
            message=message,
            filename=attachment.filename[:255],
            content_type=attachment.content_type[:255],
            size=attachment.size,
            url=attachment.url,
        )
        if attachment.data is not None:
            stored.file.save(attachment.filename or "attachment", ContentFile(attachment.data), save=False)
        stored.save()
    return message
