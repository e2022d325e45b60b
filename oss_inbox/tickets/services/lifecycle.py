from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from channels.registry import private_reply_kinds, spec_for
from oss_inbox.sla.services import ticket_sla_recompute
from oss_inbox.staff.roles import may_work_queue, require_queue_worker

from ..models import Message, Tag, Ticket, TicketEvent
from .outbox import outbox_enqueue, outbox_retry
from .reply_rules import reply_rules_check, reply_rules_refusal

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from channels.base import Inbound

REPLY_OUTBOX = "reply"

SUBJECT_LENGTH = 120


class InvalidChange(ValueError):
    """The change asked for is not one the ticket can take; the message says why, in plain words."""


class ReplyRefused(InvalidChange):
    """The channel would refuse this reply (empty, too long, no private reply there)."""


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


def subject_from(item: Inbound) -> str:
    if item.subject:
        return item.subject[:500]
    first_line = next((line.strip() for line in item.text.splitlines() if line.strip()), "")
    if len(first_line) > SUBJECT_LENGTH:
        first_line = first_line[: SUBJECT_LENGTH - 1].rstrip() + "…"
    return first_line


def lock(ticket: Ticket) -> Ticket:
    """Lock the ticket's row and reload it: a poll or a colleague may have changed it since it was read.

    Services that save a whole ticket call this first, inside their transaction, so that they never
    write back a stale copy over someone else's change.
    """
    list(Ticket.objects.select_for_update().filter(pk=ticket.pk).values_list("pk", flat=True))
    ticket.refresh_from_db()
    return ticket


def _change(ticket, change, *, actor=None, now=None):
    """What every change of a ticket does, in the caller's transaction: lock the row and reload it,
    apply `change(ticket)` to it, recompute SLA, save, record the events.

    `change` changes the ticket in memory and returns its timeline entries as [(kind, data)]; an
    empty list means there was nothing to change, and nothing is saved. Returns the events.
    """
    lock(ticket)
    entries = change(ticket)
    if not entries:
        return []
    ticket_sla_recompute(ticket, now)
    ticket.save()
    return [
        TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor, data=data) for kind, data in entries
    ]


def _require_actor(actor):
    """A person acting on the queue must work it; None is the system (ingest, the SLA scan)."""
    if actor is not None:
        require_queue_worker(actor)


def _status_entry(ticket, status):
    previous = ticket.status
    ticket.status = status
    ticket.resolved_at = timezone.now() if status == Ticket.Status.RESOLVED else None
    return (TicketEvent.Kind.STATUS, {"from": previous, "to": status})


def _recount_replies(ticket):
    """The response clocks follow the replies still standing (one failed for good, or is tried again)."""
    standing = ticket.messages.filter(direction=Message.Direction.OUTBOUND, is_automatic=False).exclude(
        delivery_state=Message.Delivery.FAILED
    )
    times = standing.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    ticket.first_response_at, ticket.last_outbound_at = times["first"], times["last"]


def _outbound_entries(ticket, sent_at):
    """A reply reached (or is on its way to) the customer: the response clocks stop."""
    if ticket.first_response_at is None:
        ticket.first_response_at = sent_at
    if ticket.last_outbound_at is None or sent_at > ticket.last_outbound_at:
        ticket.last_outbound_at = sent_at
    entries = []
    # A ticket routed straight to someone is never claimed: answering opens it.
    if ticket.status == Ticket.Status.NEW:
        entries.append(_status_entry(ticket, Ticket.Status.OPEN))
    return entries


@transaction.atomic
def ticket_claim(*, ticket: Ticket, user: User) -> Ticket:
    """Assign an unassigned ticket to `user`, atomically: raises ClaimConflict if someone was first."""
    _require_actor(user)

    def claim(ticket):
        if ticket.assignee_id is not None:
            if ticket.assignee_id == user.pk:
                return []
            raise ClaimConflict(ticket)
        ticket.assignee = user
        entries = [(TicketEvent.Kind.CLAIMED, {})]
        if ticket.status == Ticket.Status.NEW:
            entries.append(_status_entry(ticket, Ticket.Status.OPEN))
        return entries

    _change(ticket, claim, actor=user)
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: User | None, actor: User | None) -> Ticket:
    """Give the ticket to `assignee` (None: nobody), who must work the queue."""
    _require_actor(actor)
    if assignee is not None and not may_work_queue(assignee):
        raise InvalidChange("That person does not work the queue.")

    def assign(ticket):
        previous = ticket.assignee
        if ticket.assignee_id == getattr(assignee, "pk", None):
            return []
        ticket.assignee = assignee
        names = {
            "from": previous.get_username() if previous else None,
            "to": assignee.get_username() if assignee else None,
        }
        return [(TicketEvent.Kind.ASSIGNED, names)]

    _change(ticket, assign, actor=actor)
    return ticket


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, actor: User | None) -> Ticket:
    """Open, pending or resolved (a ticket is new only until someone acts on it)."""
    _require_actor(actor)
    if status not in Ticket.Status.values or status == Ticket.Status.NEW:
        raise InvalidChange("Choose one of the statuses offered.")

    def set_status(ticket):
        if ticket.status == status:
            return []
        if ticket.status == Ticket.Status.RESOLVED:
            _require_no_follow_up(ticket)
        return [_status_entry(ticket, status)]

    _change(ticket, set_status, actor=actor)
    return ticket


def _require_no_follow_up(ticket):
    """A conversation has one unresolved ticket at a time: reopening an old one whose customer has
    written since (a follow-up ticket) would make two."""
    follow_up = (
        Ticket.objects.filter(account_id=ticket.account_id, thread_key=ticket.thread_key)
        .exclude(status=Ticket.Status.RESOLVED)
        .exclude(pk=ticket.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if follow_up is not None:
        raise InvalidChange(f"This conversation goes on in ticket #{follow_up}: work on that one instead.")


@transaction.atomic
def ticket_set_priority(*, ticket: Ticket, priority: int, actor: User | None) -> Ticket:
    """Change the priority; the SLA policy is chosen by priority, so the due times follow."""
    _require_actor(actor)
    if priority not in Ticket.Priority.values:
        raise InvalidChange("Choose one of the priorities offered.")

    def prioritise(ticket):
        if ticket.priority == priority:
            return []
        previous, ticket.priority = ticket.priority, priority
        return [(TicketEvent.Kind.PRIORITY, {"from": previous, "to": priority})]

    _change(ticket, prioritise, actor=actor)
    return ticket


@transaction.atomic
def ticket_add_tags(*, ticket: Ticket, names: list[str], actor: User | None) -> list[str]:
    """Add tags (created on first use) to the ticket; returns the names it did not have yet."""
    _require_actor(actor)
    added = []

    def tag(ticket):
        present = set(ticket.tags.values_list("name", flat=True))
        added.extend(sorted({name for name in names if name} - present))
        if not added:
            return []
        ticket.tags.add(*[Tag.objects.get_or_create(name=name)[0] for name in added])
        return [(TicketEvent.Kind.TAGGED, {"added": added})]

    _change(ticket, tag, actor=actor)
    return added


@transaction.atomic
def ticket_remove_tag(*, ticket: Ticket, name: str, actor: User | None) -> bool:
    """Take a tag off the ticket (the tag itself stays for other tickets); False when it did not have it."""
    _require_actor(actor)

    def untag(ticket):
        tag = ticket.tags.filter(name=name).first()
        if tag is None:
            return []
        ticket.tags.remove(tag)
        return [(TicketEvent.Kind.TAGGED, {"removed": [name]})]

    return bool(_change(ticket, untag, actor=actor))


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
def ticket_add_note(*, ticket: Ticket, author: User, text: str, compose_token: str | None = None) -> Message:
    """An internal note; AlreadyPosted when `compose_token` (the composer's) posted this note before,
    ComposerReused when it posted a different message."""
    _require_actor(author)
    if not text.strip():
        raise InvalidChange("Write something first.")
    notes = []

    def note(ticket):
        notes.append(_create_once(
            compose_token, ticket=ticket, account=ticket.account, direction=Message.Direction.NOTE,
            kind=Message.Kind.NOTE, author_user=author, text=text, sent_at=timezone.now(),
        ))  # fmt: skip
        return [(TicketEvent.Kind.NOTE, {"message": notes[0].pk})]

    _change(ticket, note, actor=author)
    return notes[0]


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    author: User | None,
    text: str,
    sent_at: datetime | None = None,
    delivered_as: str | None = None,
    automatic: bool = False,
    private: bool = False,
    compose_token: str | None = None,
    resolve: bool = False,
    context: dict | None = None,
    event_kind: str = TicketEvent.Kind.AUTO_ACK,
    not_before: datetime | None = None,
) -> Message:
    """Queue a reply on the ticket's channel; the one outbox (services.outbox) delivers it.

    The channel's rules are checked first (ReplyRefused, in words for the agent): not empty, not
    longer than the channel takes. A `private` reply answers a public mention or comment privately
    (a DM, a Messenger private reply): the message's kind says so, and the adapter sends it that
    way; ReplyRefused where the conversation offers no private reply (email, DMs, Messenger).
    `resolve` resolves the ticket in the same transaction ("Send & resolve").
    `delivered_as` records a reply that already reached the customer outside the send path (an
    imported history): it is stored as sent with that channel id, and nothing is queued.
    An `automatic` reply (the out-of-hours acknowledgement, the safety advice) is no answer: it is
    marked is_automatic and neither counts as the first response nor stops a response clock; its
    timeline entry is `event_kind`, and `context` says what it was (shown on the ticket).
    `compose_token` identifies the composer that wrote it: posted again, AlreadyPosted is raised
    and nothing changes; used before for a different message, ComposerReused, and nothing changes.
    `not_before` holds the send until then (a paced broadcast's slot): the outbox claims only due
    replies, and its sweeper sends this one when it is.
    """
    if not automatic:
        _require_actor(author)
    sent_at = sent_at or timezone.now()
    replies = []

    def reply(ticket):
        reply_to = (
            ticket.messages.filter(direction=Message.Direction.INBOUND).order_by("-sent_at", "-id").first()
        )
        answered_kind = reply_to.kind if reply_to else Message.Kind.EMAIL
        kind = _reply_kind(answered_kind, private)
        if not delivered_as:
            problem = spec_for(ticket.account.kind).reply_problem(
                text, answered_kind=answered_kind, private=private
            )
            if problem:
                raise ReplyRefused(problem)
        checked = not delivered_as and not _composer_used(compose_token)  # a repeat: AlreadyPosted below
        rules = _platform_rules(ticket, reply_to, text, private, automatic, checked=checked)
        message = _create_once(
            compose_token, ticket=ticket, account=ticket.account, direction=Message.Direction.OUTBOUND,
            kind=kind, in_reply_to=(reply_to.external_id or "") if reply_to else "", author_user=author,
            text=text, sent_at=sent_at, external_id=delivered_as,
            delivery_state=Message.Delivery.SENT if delivered_as else Message.Delivery.QUEUED,
            is_automatic=automatic, context={**(context or {}), **rules}, next_attempt_at=not_before,
        )  # fmt: skip
        replies.append(message)
        if automatic:
            return [(event_kind, {"message": message.pk})]
        entries = [(TicketEvent.Kind.REPLIED, {"message": message.pk}), *_outbound_entries(ticket, sent_at)]
        if resolve and ticket.status != Ticket.Status.RESOLVED:
            entries.append(_status_entry(ticket, Ticket.Status.RESOLVED))
        return entries

    _change(ticket, reply, actor=author)
    if not delivered_as and not (not_before and not_before > timezone.now()):
        outbox_enqueue(REPLY_OUTBOX, replies[0].pk)
    return replies[0]


def _composer_used(compose_token):
    return bool(compose_token) and Message.objects.filter(compose_token=compose_token).exists()


def _platform_rules(ticket, reply_to, text, private, automatic, *, checked):
    """The platforms' rules (reply_rules): ReplyRefused with their reason, else what the message must
    carry to its channel (the Send API tag). A reply already delivered is not checked."""
    if not checked or reply_to is None:
        return {}
    verdict = reply_rules_check(
        ticket=ticket, text=text, private=private, automatic=automatic, answered=reply_to
    )
    if verdict.refusal:
        raise ReplyRefused(verdict.refusal)
    return {"messaging_tag": verdict.messaging_tag} if verdict.messaging_tag else {}


def _reply_kind(answered_kind, private):
    if not private:
        return answered_kind
    kinds = private_reply_kinds()
    if answered_kind not in kinds:
        raise ReplyRefused("Only an X mention or a Facebook comment or post can be answered privately.")
    return kinds[answered_kind]


@transaction.atomic
def ticket_retry_reply(*, ticket: Ticket, message: Message, actor: User | None) -> bool:
    """Send a failed reply again, or an unknown one that was looked up and not found; it counts as an
    answer again. False when it is not retryable (an unknown send not yet looked up may be there);
    ReplyRefused when a platform's rule now refuses it (Messenger's 7 days have passed)."""
    _require_actor(actor)
    refusal = reply_rules_refusal(message)
    if refusal:
        raise ReplyRefused(refusal)
    if not outbox_retry(REPLY_OUTBOX, message):
        return False

    def count_again(ticket):
        _recount_replies(ticket)
        return [(TicketEvent.Kind.DELIVERY, {"message": message.pk, "state": "queued", "retry": True})]

    _change(ticket, count_again, actor=actor)
    return True


def tickets_tag_history(names_by_ticket: dict[int, list[str]]) -> None:
    """Tag many tickets at once as history (an import, the demo): tags created on first use, and no
    timeline events, because nobody tagged them now."""
    wanted = {name for names in names_by_ticket.values() for name in names}
    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in sorted(wanted)}
    links = [
        Ticket.tags.through(ticket_id=ticket_id, tag_id=tags[name].pk)
        for ticket_id, names in names_by_ticket.items()
        for name in names
    ]
    Ticket.tags.through.objects.bulk_create(links, ignore_conflicts=True)
