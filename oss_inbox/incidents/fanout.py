"""One update to all: a broadcast on an incident, sent to every linked ticket on the customer's own
channel through the one outbox, paced, exactly once per ticket; and closing all at restoration.

- `broadcast_send` writes the timeline entry (broadcast=True) and the plan: one `IncidentDelivery`
  per linked ticket (unique per update and ticket), each with its paced slot (pacing.py), and asks a
  worker for `fanout_run` once committed. A ticket whose account is off or whose customer never wrote
  is skipped at once, with the reason.
- `fanout_run` queues the replies: for each pending delivery, in one transaction, the reply through
  tickets.services.ticket_reply (its compose token is the (update, ticket) pair, so a repeat finds the
  reply instead of writing a second) and the delivery's state; a refusal (Messenger's window closed,
  too long for X) skips it with the reason. A worker dying anywhere leaves each delivery either
  pending (nothing written) or queued with its reply: running it again finishes the job.
  The reply waits in the outbox until its slot (`not_before`); the outbox's sweeper sends it.
- `broadcast_progress`: sent / queued / skipped / failed, from the deliveries and their replies.
- `etr_changed`: an automatic update when the ETR moves, if the incident asks for one.
- `incident_restore`: the incident restored, and its final message sent as a broadcast that resolves
  each ticket in the same transaction as its reply.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from celery import current_app
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import (
    AlreadyPosted,
    ComposerReused,
    InvalidChange,
    ticket_reply,
    ticket_set_status,
)

from .models import Incident, IncidentDelivery, IncidentUpdate
from .placeholders import PlaceholderRefused, placeholders_check, time_words
from .reach import (  # noqa: F401 (reach_preview is part of this module's interface)
    DUPLICATE,
    NO_MESSAGE,
    account_problem,
    addressed,
    filled_text,
    incident_targets,
    lane_slots,
    reach_preview,
    skip_reason,
)

log = logging.getLogger(__name__)

State = IncidentDelivery.State
Status = Incident.Status
Delivery = Message.Delivery
FAN_OUT_TASK = "oss_inbox.incidents.tasks.fan_out"
CHUNK = 200
ETR_TEXT = "Update for {{area}}: crews now expect power back by {{etr}}."
RESTORED_TEXT = "Power was restored at {time}; if you are still out, reply here and we will look into it."


class BroadcastRefused(ValueError):
    """The broadcast cannot be sent as asked; the message says why, in plain words."""


def broadcast_text(template: str, incident: Incident, ticket: Ticket, now: datetime | None = None) -> str:
    """The update as this ticket's customer reads it (placeholders filled)."""
    name = ticket.contact.name if ticket.contact_id else ""
    return filled_text(template, incident, name, now or timezone.now())


def customer_text(template: str, incident: Incident, ticket: Ticket, now: datetime) -> str | None:
    """The update as it goes to this ticket's customer: filled, and on X after their @handle (X refuses
    a post whose text repeats an earlier one of the account). None when the customer never wrote."""
    answered = (
        ticket.messages.filter(direction=Message.Direction.INBOUND)
        .order_by("-sent_at", "-id")
        .values_list("kind", "author_identity__handle")
        .first()
    )
    if answered is None:
        return None
    return addressed(broadcast_text(template, incident, ticket, now=now), *answered)


def broadcast_send(
    *,
    incident: Incident,
    text: str,
    author,
    resolves: bool = False,
    automatic: bool = False,
    now: datetime | None = None,
) -> IncidentUpdate:
    """Write the broadcast and its plan, and ask a worker to queue the replies (after commit)."""
    now = now or timezone.now()
    text = (text or "").strip()
    _check_text(text)
    with transaction.atomic():
        incident = Incident.objects.select_for_update().select_related("area").get(pk=incident.pk)
        _check_incident(incident, resolves)
        update = IncidentUpdate.objects.create(
            incident=incident, text=text, broadcast=True, resolves=resolves, automatic=automatic,
            status=incident.status, etr=incident.etr, author=author, created_at=now,
        )  # fmt: skip
        deliveries = _plan(update, incident_targets(incident), now)
        IncidentDelivery.objects.bulk_create(deliveries, batch_size=1000)
        slots = [delivery.send_at for delivery in deliveries if delivery.send_at]
        update.planned, update.finishes_at = len(deliveries), max(slots, default=now)
        update.save(update_fields=["planned", "finishes_at"])
        transaction.on_commit(lambda: _ask_worker(update.pk))
    return update


def _check_text(text):
    if not text:
        raise BroadcastRefused("Write the update before sending it.")
    try:
        placeholders_check(text)
    except PlaceholderRefused as refused:
        raise BroadcastRefused(str(refused)) from None


def _check_incident(incident, resolves):
    if incident.proposed:
        raise BroadcastRefused("Confirm this proposed incident before updating its customers.")
    if incident.status in (Status.DISMISSED, Status.MERGED):
        raise BroadcastRefused("This incident was dismissed or merged: update the one its tickets are in.")
    if incident.status == Status.RESTORED and not resolves:
        raise BroadcastRefused("This incident is restored: its customers had the final message already.")


def _plan(update, targets, now):
    """One delivery per target: skipped with the reason where no reply can go, else a paced slot on its
    account's lane."""
    deliveries, lanes = [], {}
    for target in targets:
        reason = skip_reason(target)
        delivery = IncidentDelivery(
            update=update, ticket_id=target.ticket_id, channel=target.reply_kind, created_at=now,
            state=State.SKIPPED if reason else State.PENDING, reason=reason,
        )  # fmt: skip
        deliveries.append(delivery)
        if not reason:
            lanes.setdefault(target.lane, []).append(delivery)
    for (account_id, channel_kind, reply_kind), waiting in lanes.items():
        for delivery, slot in zip(
            waiting, lane_slots(account_id, channel_kind, reply_kind, len(waiting), now), strict=True
        ):
            delivery.send_at = slot
    return deliveries


def _ask_worker(update_id):
    # By name (tasks.py imports this module); a lost message is found by beat's sweep_broadcasts.
    try:
        current_app.tasks[FAN_OUT_TASK].delay(update_id)
    except Exception:  # the broker down: the sweep finds the broadcast within 30 s
        log.exception("Could not ask for the fan-out of update %s; the sweep will", update_id)


def fanout_run(update_id: int, now: datetime | None = None) -> int:
    """Queue the replies of every pending delivery of the broadcast, a chunk at a time; set
    `fanned_out_at` once none is pending. Idempotent and resumable. Returns how many it handled."""
    update = IncidentUpdate.objects.select_related("incident__area", "author").get(pk=update_id)
    handled = 0
    while True:
        pending = list(
            IncidentDelivery.objects.filter(update_id=update_id, state=State.PENDING)
            .order_by("send_at", "id")
            .values_list("pk", flat=True)[:CHUNK]
        )
        if not pending:
            break
        done = sum(_deliver(update, delivery_id) for delivery_id in pending)
        handled += done
        if not done:  # every one held by another worker: it finishes them
            return handled
    IncidentUpdate.objects.filter(pk=update_id, fanned_out_at__isnull=True).exclude(
        deliveries__state=State.PENDING
    ).update(fanned_out_at=now or timezone.now())
    return handled


def _deliver(update, delivery_id):
    """One delivery, in one transaction: its reply queued (or found) and its state; True if handled."""
    with transaction.atomic():
        locked = (
            IncidentDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, state=State.PENDING)
            .values_list("ticket_id", "send_at")
            .first()
        )
        if locked is None:
            return False
        ticket = Ticket.objects.select_related("contact", "account").get(pk=locked[0])
        fields = {"state": State.QUEUED}
        try:
            fields["message"] = _reply(update, ticket, locked[1])
        except (InvalidChange, PermissionDenied) as refused:
            fields = {"state": State.SKIPPED, "reason": str(refused) or "Refused."}
        IncidentDelivery.objects.filter(pk=delivery_id).update(**fields)
    return True


def _reply(update, ticket, send_at):
    problem = account_problem(ticket.account)
    if problem:
        raise InvalidChange(problem)
    text = customer_text(update.text, update.incident, ticket, now=update.created_at)
    if text is None:
        raise InvalidChange(NO_MESSAGE)
    try:
        return ticket_reply(
            ticket=ticket,
            author=update.author,
            text=text,
            compose_token=f"incident-update-{update.pk}-{ticket.pk}",
            not_before=send_at,
            resolve=update.resolves,
            automatic=update.automatic,
            context={"incident_update": update.pk, "incident": update.incident_id},
        )
    except (AlreadyPosted, ComposerReused) as posted:  # an earlier run wrote it: that reply is the one
        return posted.message


@dataclass(frozen=True)
class Progress:
    """Where a broadcast is. `queued` holds the replies not yet settled: pending, queued, sending, and
    `unknown` (a send cut off, counted here until the outbox looks it up on the channel)."""

    sent: int
    queued: int
    skipped: int
    failed: int
    total: int
    finishes_at: datetime | None
    fanned_out: bool

    @property
    def settled(self) -> int:
        return self.sent + self.skipped + self.failed

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.settled / self.total)

    @property
    def done(self) -> bool:
        return self.fanned_out and self.settled == self.total


def broadcast_progress(update: IncidentUpdate) -> Progress:
    """The broadcast's counts, in one query."""
    reply_state = "message__delivery_state"
    counts = IncidentDelivery.objects.filter(update_id=update.pk).aggregate(
        total=Count("id"),
        skipped=Count("id", filter=Q(state=State.SKIPPED)),
        sent=Count("id", filter=Q(state=State.QUEUED, **{reply_state: Delivery.SENT})),
        failed=Count("id", filter=Q(state=State.QUEUED, **{reply_state: Delivery.FAILED})),
    )
    settled = counts["sent"] + counts["failed"] + counts["skipped"]
    return Progress(
        sent=counts["sent"],
        queued=counts["total"] - settled,
        skipped=counts["skipped"],
        failed=counts["failed"],
        total=counts["total"],
        finishes_at=update.finishes_at,
        fanned_out=update.fanned_out_at is not None,
    )


def etr_changed(incident: Incident, old_etr: datetime | None, by, now: datetime | None = None):
    """The ETR moved (by hand or from the outage feed): when the incident asks for it, its customers get
    an automatic update. The broadcast, or None when none is due."""
    if not incident.notify_on_etr_change or incident.etr == old_etr:
        return None
    if incident.proposed or not incident.is_open:
        return None
    return broadcast_send(incident=incident, text=ETR_TEXT, author=by, automatic=True, now=now)


def incident_set_notify(incident: Incident, *, on: bool) -> Incident:
    """Whether an ETR change sends the customers an update by itself."""
    Incident.objects.filter(pk=incident.pk).update(notify_on_etr_change=on)
    incident.notify_on_etr_change = on
    return incident


def restored_text(now: datetime) -> str:
    return RESTORED_TEXT.format(time=time_words(now, now))


def restoration_broadcast(
    *, incident: Incident, by, final_text: str | None = None, now: datetime | None = None
) -> IncidentUpdate:
    """The final message of a restored incident, to every ticket, each resolved with its reply (in
    the caller's transaction, once the incident is restored). The broadcast."""
    now = now or timezone.now()
    text = restored_text(now) if final_text is None else final_text.strip()
    # Never `automatic`: an automatic reply resolves nothing (tickets.services), and this one must.
    update = broadcast_send(incident=incident, text=text, author=by, resolves=True, now=now)
    _resolve_duplicates(update, by)
    return update


def _resolve_duplicates(update, by):
    """A customer with several tickets gets the final message once, on the ticket they wrote to last
    (X would refuse the same words twice); their other tickets are resolved with it, without a reply."""
    skipped = IncidentDelivery.objects.filter(
        update=update, state=State.SKIPPED, reason__startswith=DUPLICATE
    )
    for ticket in Ticket.objects.filter(pk__in=skipped.values("ticket_id")).exclude(
        status=Ticket.Status.RESOLVED
    ):
        ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=by)


def incident_restore(*, incident: Incident, by, final_text: str | None = None, now: datetime | None = None):
    """Restore the incident: status and time, a timeline entry, and the final message to every ticket,
    each resolved with its reply. The final broadcast (an IncidentUpdate)."""
    now = now or timezone.now()
    text = restored_text(now) if final_text is None else final_text.strip()
    _check_text(text)
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.proposed:
            raise BroadcastRefused("Confirm this proposed incident first, or dismiss it.")
        if not locked.is_open:
            raise BroadcastRefused("This incident is restored already.")
        locked.status, locked.restored_at = Status.RESTORED, now
        locked.save(update_fields=["status", "restored_at"])
        who = (by.get_full_name() or by.get_username()) if by else "the outage feed"
        IncidentUpdate.objects.create(
            incident=locked, text=f"Restored (by {who}); the final message goes to every ticket.",
            status=Status.RESTORED, etr=locked.etr, author=by, created_at=now,
        )  # fmt: skip
        update = restoration_broadcast(incident=locked, by=by, final_text=text, now=now)
    incident.status, incident.restored_at = Status.RESTORED, now
    return update
