"""Whom a broadcast reaches, before it is sent: per channel, and who cannot be reached and why.

The facts for every linked ticket are read in a few queries (the tickets with their customers' names,
their latest customer messages, the accounts), whatever the number of tickets; the rules are the
platforms' own (channels/send_rules.py, asked exactly as tickets.services.reply_rules asks them), so
the preview and the send agree. Only an X post whose saved payload does not mention us is asked again
through tickets.services (its earlier posts may have): rare, one ticket at a time.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from channels.models import ChannelAccount
from channels.registry import spec_for
from channels.send_rules import SendFacts, send_verdict, x_post_summons
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services.reply_rules import reply_rules_check

from . import pacing
from .models import Incident, IncidentDelivery
from .placeholders import fill, placeholders_check, values_for

# The reply's kind, as the supervisor names the channel it goes out on.
CHANNEL_LABELS = {
    "mention": "X reply",
    "dm": "X DM",
    "comment": "Facebook comment reply",
    "post": "Facebook comment reply",
    "messenger": "Messenger",
    "ig_comment": "Instagram comment reply",
    "ig_dm": "Instagram DM",
    "email": "Email",
}
NO_MESSAGE = "The customer has not written on this ticket: there is no message to answer."
UNREACHABLE_SHOWN = 200


@dataclass
class Target:
    """One linked ticket, as the fan-out needs it."""

    ticket_id: int
    account: ChannelAccount
    name: str  # the customer's (Contact.name)
    answered: dict | None  # the customer's latest message: kind, sent_at, external_id, raw
    reply_kind: str = ""
    contact_id: int | None = None
    # Another linked ticket of the same customer, written to more lately: the update goes there once.
    duplicate_of: int | None = None

    @property
    def lane(self) -> tuple[int, str, str]:
        """The paced send queue this ticket's reply joins: its account and kind of reply."""
        return (self.account.pk, self.account.kind, self.reply_kind)

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.reply_kind, self.account.get_kind_display())


@dataclass(frozen=True)
class Unreachable:
    ticket_id: int
    customer: str
    channel: str
    reason: str


@dataclass
class Reach:
    total: int = 0
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    unreachable: list[Unreachable] = field(default_factory=list)
    example: str = ""  # the text as the first reachable customer gets it
    finishes_at: datetime | None = None  # the last paced send, if sent now

    @property
    def reachable(self) -> int:
        return sum(count for _, count in self.by_channel)

    @property
    def unreachable_count(self) -> int:
        return self.total - self.reachable


def incident_targets(incident: Incident) -> list[Target]:
    """Every ticket linked to the incident now, with what the rules read: three queries in all."""
    latest = Message.objects.filter(ticket=OuterRef("pk"), direction=Message.Direction.INBOUND).order_by(
        "-sent_at", "-id"
    )
    rows = list(
        Ticket.objects.filter(pk__in=incident.links.filter(unlinked_at__isnull=True).values("ticket_id"))
        .annotate(answered_id=Subquery(latest.values("id")[:1]))
        .order_by("pk")
        .values_list("pk", "account_id", "contact__name", "answered_id", "contact_id")
    )
    accounts = ChannelAccount.objects.in_bulk({row[1] for row in rows})
    answered = {
        message["id"]: message
        for message in Message.objects.filter(pk__in=[row[3] for row in rows if row[3]]).values(
            "id", "kind", "sent_at", "external_id", "author_identity__handle"
        )
    }
    targets = [
        Target(
            ticket_id=pk,
            account=accounts[account_id],
            name=name or "",
            answered=answered.get(answered_id),
            contact_id=contact_id,
        )  # fmt: skip
        for pk, account_id, name, answered_id, contact_id in rows
    ]
    for target in targets:
        if target.answered:
            target.reply_kind = spec_for(target.account.kind).reply_kind(target.answered["kind"], False)
    _mark_duplicates(targets)
    _read_x_payloads([target for target in targets if target.reply_kind == "mention"])
    return targets


def _mark_duplicates(targets):
    """A customer with several tickets in the incident (a tweet, then an email) gets an update once, on
    the ticket they wrote to last: twice is noise, and X refuses the second as duplicate content."""
    latest = {}
    for target in targets:
        if target.contact_id is None or target.answered is None:
            continue
        kept = latest.get(target.contact_id)
        if kept is None or (target.answered["sent_at"], target.ticket_id) > (
            kept.answered["sent_at"],
            kept.ticket_id,
        ):
            latest[target.contact_id] = target
    for target in targets:
        kept = latest.get(target.contact_id)
        if kept is not None and kept is not target and target.answered is not None:
            target.duplicate_of = kept.ticket_id


DUPLICATE = "This customer gets it once"


def skip_reason(target: Target) -> str:
    """Why no reply at all goes to this ticket, whatever the text, or "": the plan skips it at once."""
    if target.answered is None:
        return NO_MESSAGE
    if problem := account_problem(target.account):
        return problem
    if target.duplicate_of:
        return f"{DUPLICATE}, on ticket #{target.duplicate_of}, where they wrote last."
    return ""


def _read_x_payloads(targets):
    """X's rule reads the answered post's payload: read only those, in one query."""
    if not targets:
        return
    by_message = {target.answered["id"]: target for target in targets}
    for message_id, raw in Message.objects.filter(pk__in=by_message).values_list("id", "raw"):
        by_message[message_id].answered["raw"] = raw or {}


def addressed(text: str, answered_kind: str, handle: str | None) -> str:
    """A public reply on X starts with the customer's @handle: X refuses a post whose text repeats an
    earlier one of the account ("duplicate content"), and one update to many customers would."""
    if answered_kind != "mention" or not handle or text.startswith(f"@{handle}"):
        return text
    return f"@{handle} {text}"


def account_problem(account: ChannelAccount) -> str:
    """Why nothing can be sent on this account now, in words, or ""."""
    if not account.enabled:
        return f"The {account.get_kind_display()} account “{account.name}” is turned off."
    if account.error_is_permanent:
        return (
            f"The {account.get_kind_display()} account “{account.name}” is disconnected "
            f"({account.last_error or 'its token no longer works'}): an admin must reconnect it."
        )
    return ""


def target_refusal(target: Target, text: str, *, automatic: bool, now: datetime) -> str:
    """Why this ticket's customer cannot get `text` (filled) now, or "": the rules ticket_reply applies."""
    if problem := skip_reason(target):
        return problem
    spec = spec_for(target.account.kind)
    problem = spec.reply_problem(text, answered_kind=target.answered["kind"], private=False)
    if problem:
        return problem
    summoned = None
    if target.reply_kind == "mention":
        summoned = x_post_summons(
            target.answered.get("raw") or {},
            account_id=target.account.self_external_id,
            username=target.account.settings.get("username", ""),
        )
        if summoned is False:  # an earlier post of the conversation may have: the ticket layer looks
            ticket = Ticket.objects.select_related("account").get(pk=target.ticket_id)
            return reply_rules_check(
                ticket=ticket, text=text, private=False, automatic=automatic, now=now
            ).refusal
    facts = SendFacts(
        reply_kind=target.reply_kind,
        answered_kind=target.answered["kind"],
        private=False,
        now=timezone.localtime(now),
        text=text,
        automatic=automatic,
        customer_last_wrote_at=timezone.localtime(target.answered["sent_at"]),
        answered_at=target.answered["sent_at"],
        summoned=summoned,
        account_handle=target.account.settings.get("username", ""),
        human_agent_allowed=target.account.settings.get("human_agent_tag") != "no",
    )
    return send_verdict(facts).refusal


def filled_text(template: str, incident: Incident, name: str, now: datetime) -> str:
    values = values_for(area=incident.area.name, etr=incident.etr, status=incident.status, name=name, now=now)
    return fill(template, values)


def reach_preview(
    incident: Incident, text: str, *, automatic: bool = False, now: datetime | None = None
) -> Reach:
    """How many customers `text` reaches on each channel if sent now, who cannot be reached and why,
    one filled example, and when the last paced send would go. PlaceholderRefused for an unknown
    placeholder."""
    now = now or timezone.now()
    placeholders_check(text)
    reach, counts, lanes = Reach(), Counter(), Counter()
    for target in incident_targets(incident):
        reach.total += 1
        filled = filled_text(text, incident, target.name, now)
        if target.answered:
            filled = addressed(filled, target.answered["kind"], target.answered["author_identity__handle"])
        refusal = target_refusal(target, filled, automatic=automatic, now=now)
        if refusal:
            if len(reach.unreachable) < UNREACHABLE_SHOWN:
                reach.unreachable.append(
                    Unreachable(target.ticket_id, target.name, target.channel_label, refusal)
                )
            continue
        counts[target.channel_label] += 1
        lanes[target.lane] += 1
        reach.example = reach.example or filled
    reach.by_channel = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    reach.finishes_at = lanes_finish(lanes, now) if lanes else None
    return reach


def lanes_finish(lanes: Counter, now: datetime) -> datetime:
    """When the last of these sends would go, paced after what each lane has planned already."""
    return max(
        lane_slots(account_id, channel_kind, reply_kind, count, now)[-1]
        for (account_id, channel_kind, reply_kind), count in lanes.items()
    )


def lane_slots(
    account_id: int, channel_kind: str, reply_kind: str, count: int, now: datetime
) -> list[datetime]:
    """`count` paced slots on one account's lane, after the slots other broadcasts hold on it."""
    limits = pacing.send_limits(channel_kind, reply_kind)
    lane = pacing.lane(channel_kind, reply_kind)
    sharing = [kind for kind in CHANNEL_LABELS if pacing.lane(channel_kind, kind) == lane] or [reply_kind]
    earlier = IncidentDelivery.objects.filter(
        ticket__account_id=account_id,
        channel__in=sharing,
        send_at__gte=now - pacing.longest_span(limits),
    ).values_list("send_at", flat=True)
    return pacing.plan_slots(count, limits, start=now, earlier=list(earlier))
