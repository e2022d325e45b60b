from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from oss_inbox.sla.services import ticket_sla_recompute

from ..models import PRIVATE_REPLY_KINDS, Message, Tag, Ticket, TicketEvent

SUBJECT_LENGTH = 120


class ClaimConflict(Exception):
    """Somebody else claimed the ticket first; nothing was overwritten."""

    def __init__(self, ticket):
        super().__init__(f"{ticket.assignee} already claimed ticket #{ticket.pk}.")
        self.ticket = ticket


class AlreadyPosted(Exception):
    """The composer that wrote this reply or note was posted before (a double click, a resent
    request): the first post stands and nothing new was stored."""

    def __init__(self, message):
        super().__init__(f"Message {message.pk} was already posted from this composer.")
        self.message = message


class ComposerReused(Exception):
    """The composer's token was already used for a different message (a page restored with Back,
    then a new text written in it): nothing was stored, and the text must not be taken for a repeat."""

    def __init__(self, message):
        super().__init__(f"This composer already posted message {message.pk}, a different one.")
        self.message = message


def subject_from(item):
    if item.subject:
        return item.subject[:500]
    first_line = next((line.strip() for line in item.text.splitlines() if line.strip()), "")
    if len(first_line) > SUBJECT_LENGTH:
        first_line = first_line[: SUBJECT_LENGTH - 1].rstrip() + "…"
    return first_line


def lock(ticket):
    """Lock the ticket's row and reload it: a poll or a colleague may have changed it since it was read.

    Services that save a whole ticket call this first, inside their transaction, so that they never
    write back a stale copy over someone else's change.
    """
    list(Ticket.objects.select_for_update().filter(pk=ticket.pk).values_list("pk", flat=True))
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def ticket_recount_replies(ticket):
    """A reply failed for good (or is tried again): the response clocks follow the replies still standing."""
    lock(ticket)
    standing = ticket.messages.filter(direction=Message.Direction.OUTBOUND, is_automatic=False).exclude(
        delivery_state=Message.Delivery.FAILED
    )
    times = standing.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    ticket.first_response_at, ticket.last_outbound_at = times["first"], times["last"]
    ticket_sla_recompute(ticket)
    ticket.save()
    return ticket


def ticket_record_outbound(ticket, sent_at, *, actor=None):
    """A reply reached (or is on its way to) the customer."""
    if ticket.first_response_at is None:
        ticket.first_response_at = sent_at
    if ticket.last_outbound_at is None or sent_at > ticket.last_outbound_at:
        ticket.last_outbound_at = sent_at
    answered_new = ticket.status == Ticket.Status.NEW
    if answered_new:  # a ticket routed straight to someone is never claimed: answering it opens it
        ticket.status = Ticket.Status.OPEN
    ticket_sla_recompute(ticket)
    ticket.save()
    TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.REPLIED, actor=actor)
    if answered_new:
        TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.STATUS, actor=actor, data={"from": "new", "to": "open"})


@transaction.atomic
def ticket_claim(*, ticket, user):
    """Assign an unassigned ticket to `user`, atomically: raises ClaimConflict if someone was first."""
    claimed = Ticket.objects.filter(pk=ticket.pk, assignee__isnull=True).update(assignee=user, updated_at=timezone.now())
    ticket.refresh_from_db()
    if not claimed:
        if ticket.assignee_id == user.pk:
            return ticket
        raise ClaimConflict(ticket)
    TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.CLAIMED, actor=user)
    if ticket.status == Ticket.Status.NEW:
        ticket_set_status(ticket=ticket, status=Ticket.Status.OPEN, actor=user)
    return ticket


@transaction.atomic
def ticket_assign(*, ticket, assignee, actor):
    previous = ticket.assignee
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee", "updated_at"])
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.ASSIGNED,
        actor=actor,
        data={"from": previous.get_username() if previous else None, "to": assignee.get_username() if assignee else None},
    )
    return ticket


@transaction.atomic
def ticket_set_status(*, ticket, status, actor):
    lock(ticket)
    if ticket.status == status:
        return ticket
    _set_status(ticket, status, actor=actor)
    ticket_sla_recompute(ticket)
    ticket.save()
    return ticket


@transaction.atomic
def ticket_set_priority(*, ticket, priority, actor):
    """Change the priority; the SLA policy is chosen by priority, so the due times follow."""
    lock(ticket)
    if ticket.priority == priority:
        return ticket
    previous = ticket.priority
    ticket.priority = priority
    ticket_sla_recompute(ticket)
    ticket.save()
    TicketEvent.objects.create(
        ticket=ticket, kind=TicketEvent.Kind.PRIORITY, actor=actor, data={"from": previous, "to": priority}
    )
    return ticket


@transaction.atomic
def ticket_add_tags(*, ticket, names, actor):
    """Add tags (created on first use) to the ticket; returns the names it did not have yet."""
    lock(ticket)
    present = set(ticket.tags.values_list("name", flat=True))
    added = sorted({name for name in names if name} - present)
    if not added:
        return []
    ticket.tags.add(*[Tag.objects.get_or_create(name=name)[0] for name in added])
    ticket.save(update_fields=["updated_at"])  # the queue's live refresh notices the change
    TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.TAGGED, actor=actor, data={"added": added})
    return added


@transaction.atomic
def ticket_remove_tag(*, ticket, name, actor):
    """Take a tag off the ticket (the tag itself stays for other tickets); False when it did not have it."""
    lock(ticket)
    tag = ticket.tags.filter(name=name).first()
    if tag is None:
        return False
    ticket.tags.remove(tag)
    ticket.save(update_fields=["updated_at"])
    TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.TAGGED, actor=actor, data={"removed": [name]})
    return True


def _set_status(ticket, status, *, actor):
    previous = ticket.status
    ticket.status = status
    ticket.resolved_at = timezone.now() if status == Ticket.Status.RESOLVED else None
    TicketEvent.objects.create(
        ticket=ticket, kind=TicketEvent.Kind.STATUS, actor=actor, data={"from": previous, "to": status}
    )


def _create_once(compose_token, **fields):
    """The message, stored unless its composer was posted already.

    The database decides (the unique message_compose_token_once index), so a double click holds
    with any cache and any number of web processes: the second insert fails on the index, in a
    savepoint of its own, and the caller's transaction goes on to be rolled back. The token alone
    does not make a repeat: only the same text by the same author on the same ticket, as a reply
    or as a note again, is one (AlreadyPosted); anything else is ComposerReused.
    """
    try:
        with transaction.atomic():
            return Message.objects.create(compose_token=compose_token or None, **fields)
    except IntegrityError:
        first = Message.objects.filter(compose_token=compose_token).first() if compose_token else None
        if first is None:
            raise
        if not _same_post(first, fields):
            raise ComposerReused(first) from None
        raise AlreadyPosted(first) from None


def _same_post(message, fields):
    return (
        message.ticket_id == fields["ticket"].pk
        and message.author_user_id == getattr(fields["author_user"], "pk", None)
        and message.direction == fields["direction"]
        and message.text == fields["text"]
    )


@transaction.atomic
def ticket_add_note(*, ticket, author, text, compose_token=None):
    """An internal note; AlreadyPosted when `compose_token` (the composer's) posted this note before,
    ComposerReused when it posted a different message."""
    note = _create_once(
        compose_token,
        ticket=ticket,
        account=ticket.account,
        direction=Message.Direction.NOTE,
        kind=Message.Kind.NOTE,
        author_user=author,
        text=text,
        sent_at=timezone.now(),
    )
    TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.NOTE, actor=author, data={"message": note.pk})
    return note


@transaction.atomic
def ticket_reply(*, ticket, author, text, sent_at=None, delivered_as=None, automatic=False, private=False,
                 compose_token=None):
    """Queue a reply on the ticket's channel; the channel sender (channels.tasks) delivers it.

    A `private` reply answers a public mention or comment privately (a DM, a Messenger private
    reply): the message's kind says so, and the adapter sends it that way. ValueError where the
    conversation offers no private reply (email, DMs, Messenger).
    `delivered_as` records a reply that already reached the customer outside the send path (an
    imported history): it is stored as sent with that channel id, and nothing is queued.
    An `automatic` reply (the out-of-hours acknowledgement) is no answer: it is marked
    is_automatic and neither counts as the first response nor stops a response clock.
    `compose_token` identifies the composer that wrote it: posted again, AlreadyPosted is raised
    and nothing changes; used before for a different message, ComposerReused, and nothing changes.
    """
    sent_at = sent_at or timezone.now()
    lock(ticket)
    reply_to = ticket.messages.filter(direction=Message.Direction.INBOUND).order_by("-sent_at", "-id").first()
    message = _create_once(
        compose_token,
        ticket=ticket,
        account=ticket.account,
        direction=Message.Direction.OUTBOUND,
        kind=_reply_kind(reply_to, private),
        in_reply_to=(reply_to.external_id or "") if reply_to else "",
        author_user=author,
        text=text,
        sent_at=sent_at,
        external_id=delivered_as,
        delivery_state=Message.Delivery.SENT if delivered_as else Message.Delivery.QUEUED,
        is_automatic=automatic,
    )
    if automatic:
        TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.AUTO_ACK, data={"message": message.pk})
    else:
        ticket_record_outbound(ticket, sent_at, actor=author)
    if not delivered_as:
        transaction.on_commit(lambda: _enqueue_send(message.pk))
    return message


def _reply_kind(reply_to, private):
    kind = reply_to.kind if reply_to else Message.Kind.EMAIL
    if not private:
        return kind
    if kind not in PRIVATE_REPLY_KINDS:
        raise ValueError("Only an X mention or a Facebook comment or post can be answered privately.")
    return PRIVATE_REPLY_KINDS[kind]


def _enqueue_send(message_id):
    from channels.tasks import send_message  # channels depends on tickets, not the other way round

    send_message.delay(message_id)
