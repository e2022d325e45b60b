"""Applying a batch of inbound items to the ticket model with a fixed number of queries.

`ingest` calls `apply_batch` inside its transaction, with the account row locked. Steps:
1. Look up, for the whole batch at once: the messages already stored, the authors' identities,
   the messages the items answer, and the newest ticket of every conversation they name.
2. Create the contacts and identities of customers writing for the first time, in bulk; those on
   the critical-care register are flagged at once (critical_care.py).
3. Decide each item in order (oldest first), in memory: skip it (already stored), link our own
   post, keep an auto-reply or bounce, or put a customer's message on its ticket (opening,
   reopening or following up a ticket as needed).
   A customer's message the safety detector fires on makes its ticket a safety ticket (Urgent,
   on the Safety policy) before any SLA is computed.
4. Recompute the SLA of every ticket touched; write tickets, messages, attachments and timeline
   events in bulk; escalate new safety tickets and queue their safety advice (safety.py); queue
   out-of-hours acknowledgements.
A batch that fails as a whole is retried by `ingest` one item at a time, each a batch of one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels.base import conversation_by
from oss_inbox.safety.lists import detectors
from oss_inbox.sla.models import AcknowledgementSetting
from oss_inbox.sla.policies import SlaRules
from oss_inbox.sla.services import SLA_FIELDS, ticket_sla_recompute

from ..models import Attachment, Contact, Identity, Message, Ticket, TicketEvent, UnprocessedItem
from ..threading import by_reference
from . import acknowledgements, assignment, safety
from .contacts import normalise_external_id
from .critical_care import critical_care_authors
from .files import attachment_content
from .hooks import ingest_hooks
from .lifecycle import subject_from
from .routing import assigned_data, key_account_route, manager_notify
from .rows import rows_insert, rows_new

if TYPE_CHECKING:
    from channels.base import Inbound
    from channels.models import ChannelAccount

LINK = re.compile(r"https?://\S+")
# Managers come along so that routing a key account's ticket to its manager needs no query.
_CONTACT_WITH_ORGANIZATION = (
    "contact__organization__account_manager",
    "contact__organization__backup_manager",
)
# What a customer's message may change on an existing ticket, besides its SLA fields.
TICKET_FIELDS = [
    "status",
    "priority",
    "safety",
    "resolved_at",
    "last_inbound_at",
    "last_outbound_at",
    "first_response_at",
    "updated_at",
]


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    tickets_opened: int = 0
    set_aside: int = 0
    failed: int = 0
    errors: list = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        for name in ("stored", "duplicates", "tickets_opened", "set_aside", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)


def apply_batch(account: ChannelAccount, items: list[Inbound], result: IngestResult) -> None:
    Batch(account, items, result).run()


class Batch:
    def __init__(self, account: ChannelAccount, items: list[Inbound], result: IngestResult) -> None:
        self.account, self.items, self.result = account, list(items), result
        self.now = timezone.now()
        self.rules = SlaRules()
        self.tickets = {}  # pk -> Ticket, so that every item sees one object per ticket
        self.newest = {}  # thread key -> newest Ticket of that conversation
        self.ticket_of = {}  # external id -> Ticket of the stored message
        self.new_tickets, self.touched, self.messages, self.events = [], {}, [], []
        self.attachments, self.inbound = [], []
        # Key-account tickets to tell managers of; replies to account mail.
        self.routed, self.mail_replies = [], []
        # contact id -> organization id, of the tickets' customers (a colleague may join by email)
        self.organization_of = {}
        self.answering = []  # (new ticket, the other customer's ticket it was written in)
        self.safety_found = []  # (ticket, message, detection data): reports that escalate, in order
        self.reopened = set()  # id() of the tickets a message of this batch reopened
        self._detectors = None  # the phrase list's, read at the first customer message

    def run(self) -> None:
        self._load()
        self._create_customers()
        for item in self.items:
            self._decide(item)
        self._write()

    # 1. Look-ups ---------------------------------------------------------------------------------

    def _load(self):
        self.stored = self._stored([item.external_id for item in self.items])
        reused = self._reused_ids_made_distinct()
        if reused:
            self.stored.update(self._stored(reused))
        authors = {self._author_id(item) for item in self.items if not self._is_ours(item)}
        identities = Identity.objects.select_related(*_CONTACT_WITH_ORGANIZATION).filter(
            kind=self.account.kind, external_id__in=authors
        )
        self.identities = {identity.external_id: identity for identity in identities}
        self._load_conversations()

    def _stored(self, external_ids):
        stored = Message.objects.filter(account=self.account, external_id__in=external_ids)
        fields = ("id", "external_id", "direction", "delivery_state", "context")
        return {message.external_id: message for message in stored.only(*fields)}

    def _reused_ids_made_distinct(self):
        """Some senders reuse a Message-ID for a different mail. An item whose id is taken by a
        message with another content digest (the parser's `context["digest"]`) is a message of its
        own, under its id plus its digest; the same mail fetched again is still a duplicate. A
        message stored before digests were kept cannot be told apart, and counts as the same.
        Returns the ids given."""
        digests = {external_id: message.context.get("digest") for external_id, message in self.stored.items()}
        given = []
        for index, item in enumerate(self.items):
            digest = item.context.get("digest")
            first = digests.setdefault(item.external_id, digest) if digest else None
            if first is not None and first != digest:
                own_id = f"{item.external_id[:480]}#{digest[:16]}"
                self.items[index] = replace(item, external_id=own_id)
                given.append(own_id)
        return given

    def _load_conversations(self):
        reply_ids = {reply_id for item in self.items for reply_id in item.reply_to_ids}
        replied = dict(
            Message.objects.filter(account=self.account, external_id__in=reply_ids).values_list(
                "external_id", "ticket_id"
            )
        )
        # Locked: an agent's request saving one of these tickets meanwhile would be overwritten.
        for ticket in Ticket.objects.filter(pk__in=set(replied.values())).select_for_update(of=("self",)):
            self._remember(ticket)
        keys = {item.thread_key for item in self.items} | {t.thread_key for t in self.tickets.values()}
        in_threads = (
            Ticket.objects.filter(account=self.account, thread_key__in=keys)
            .order_by("-created_at", "-id")
            .select_for_update(of=("self",))
        )
        for ticket in in_threads:
            ticket = self._remember(ticket)
            self.newest.setdefault(ticket.thread_key, ticket)
        self.ticket_of = {external_id: self.tickets[ticket_id] for external_id, ticket_id in replied.items()}
        self.mails_answered = ingest_hooks().letters_answered(self.account, reply_ids - replied.keys())

    def _load_newest(self, thread_key):
        if thread_key not in self.newest:
            newest = Ticket.objects.filter(account=self.account, thread_key=thread_key).order_by(
                "-created_at", "-id"
            )
            found = newest.select_for_update(of=("self",)).first()
            if found is not None:  # a conversation nobody opened yet stays unknown: _open names it
                self.newest[thread_key] = self._remember(found)

    def _remember(self, ticket):
        ticket = self.tickets.setdefault(ticket.pk, ticket)
        ticket.account = self.account  # spare SLA rules a query for the account
        return ticket

    # 2. New customers ----------------------------------------------------------------------------

    def _create_customers(self):
        first_seen = {}
        for item in self.items:
            author_id = self._author_id(item)
            if not self._is_ours(item) and author_id not in self.identities:
                first_seen.setdefault(author_id, item.author)
        if not first_seen:
            return
        organizations = ingest_hooks().organizations_for_authors(self.account.kind, first_seen)
        # On the critical-care register: flagged from their first message (no query while it is empty).
        on_register = critical_care_authors(self.account.kind, first_seen)
        contacts = [
            Contact(
                name=(author.name or author.handle or author_id)[:200],
                organization=organizations.get(author_id),
                critical_care=author_id in on_register,
            )
            for author_id, author in first_seen.items()
        ]
        rows_insert(contacts)
        identities = [
            Identity(contact=contact, kind=self.account.kind, external_id=author_id,
                     handle=author.handle[:255], display_name=author.name[:255],
                     avatar_url=author.avatar_url[:1000])
            for contact, (author_id, author) in zip(contacts, first_seen.items(), strict=True)
        ]  # fmt: skip
        rows_insert(identities)
        self.identities.update((identity.external_id, identity) for identity in identities)

    # 3. Decisions --------------------------------------------------------------------------------

    def _decide(self, item):
        if item.external_id in self.stored or item.external_id in self.ticket_of:
            self._reconcile_echo(self.stored.get(item.external_id))
            if self._author_id(item) in self.identities:
                # A webhook names a Messenger or Instagram DM sender by id only; the poll that finds
                # the same message again knows their name.
                self._identity(item)
            self._post_words(self.stored.get(item.external_id), item)
            self.result.duplicates += 1
        elif self._is_ours(item):
            self._our_post(item)
        else:
            identity = self._identity(item)
            ticket = self._find(item, identity.contact)
            if item.is_automatic:  # a bounce concerns the ticket it names, whoever sent it
                self._automatic(item, ticket, identity)
            elif ticket is None or self._belongs(ticket, identity.contact):
                if not self._survey_answer(item, ticket, identity):
                    self._customer_message(item, ticket, identity)
            else:
                self._someone_else(item, ticket, identity)

    def _belongs(self, ticket, contact):
        """A message joins a ticket only when its author is that ticket's customer, or, by email,
        someone of the same organization (a colleague on CC)."""
        if ticket.contact_id == contact.pk:
            return True
        if self.account.kind != "email" or contact.organization_id is None:
            return False
        if ticket.contact_id not in self.organization_of:
            self.organization_of[ticket.contact_id] = ticket.contact.organization_id
        return self.organization_of[ticket.contact_id] == contact.organization_id

    def _survey_answer(self, item, ticket, identity):
        """A tap on our satisfaction survey's quick reply stays on its resolved ticket without reopening
        it or touching SLA; the surveys app records the rating (hooks.survey_answer)."""
        if ticket is None or ticket.pk is None or ticket.status != Ticket.Status.RESOLVED:
            return False
        answer = ingest_hooks().survey_answer(ticket, item)
        if answer is None:
            return False
        item = replace(item, context={**item.context, "survey_answer": answer})
        message = self._message(item, ticket, Message.Direction.INBOUND, identity=identity, touch=False)
        self.events.append((ticket, TicketEvent.Kind.SURVEY, answer, message))
        self.result.stored += 1
        return True

    def _someone_else(self, item, answered, identity):
        """Someone answering in another customer's conversation (a reply under our public answer to
        them, a comment in their thread): a conversation of their own, linked to the one answered."""
        own_key = conversation_by(item.thread_key, identity.external_id)
        self._load_newest(own_key)
        ticket = self.newest.get(own_key)
        if ticket is None:
            ticket = self._open(item, identity.contact, thread_key=own_key, answers=answered)
        self._customer_message(item, ticket, identity)

    def _find(self, item, contact=None):
        ticket = next((self.ticket_of[i] for i in item.reply_to_ids if i in self.ticket_of), None)
        if ticket is None and item.ticket_ref and contact is not None:
            ticket = by_reference(self.account, item.ticket_ref, contact)
            if ticket is not None:
                ticket = self._remember(ticket)
                self._load_newest(ticket.thread_key)  # a follow-up may have opened since
        if ticket is None:
            return self.newest.get(item.thread_key)
        return self.newest.get(ticket.thread_key, ticket)

    def _customer_message(self, item, ticket, identity):
        if ticket is None:
            ticket = self._open(item, identity.contact)
        elif ticket.status == Ticket.Status.RESOLVED:
            if item.sent_at - ticket.resolved_at <= settings.REOPEN_WINDOW:
                ticket.status, ticket.resolved_at = Ticket.Status.OPEN, None
                self._event(ticket, TicketEvent.Kind.REOPENED, {"external_id": item.external_id})
                self.reopened.add(id(ticket))
            else:
                ticket = self._open(item, identity.contact, previous=ticket)
        message = self._message(item, ticket, Message.Direction.INBOUND, identity=identity)
        self._detect_safety(item, ticket, message, identity.contact)
        if ticket.last_inbound_at is None or item.sent_at > ticket.last_inbound_at:
            ticket.last_inbound_at = item.sent_at
        if ticket.status == Ticket.Status.PENDING:
            self._event(ticket, TicketEvent.Kind.STATUS, {"from": "pending", "to": "open"})
            ticket.status = Ticket.Status.OPEN
        self.inbound.append((ticket, message))  # the message row itself records that the customer wrote
        self.result.stored += 1

    def _detect_safety(self, item, ticket, message, contact):
        """Run the safety detector on a customer's message; a report makes the ticket a safety ticket.

        A report on a ticket that is one already escalates again when it tells of something new: the
        ticket was resolved and reopens with it, or the hazard is of another kind (a gas smell after
        a downed line). Reports of the same ticket in one batch escalate once (_safety_follow_up).
        """
        if self._detectors is None:
            self._detectors = detectors()
        # An email's own subject counts; a reply's repeats the thread's ("Re: Gas leak warranty").
        own_subject = item.kind == "email" and item.subject and not item.reply_to_ids
        text = f"{item.subject}\n{item.text}" if own_subject else item.text
        found = self._detectors.detect(text, critical_care=contact.depends_on_power)
        if found is None:
            return
        data = safety.detection_data(found)
        message.context = {**message.context, "safety": data}
        entries = safety.mark_as_safety(ticket, data)
        if not entries and (id(ticket) in self.reopened or not safety.same_hazard(ticket.safety, data)):
            entries = [(TicketEvent.Kind.SAFETY, safety.report_again_data(data))]
        for kind, entry in entries:
            self._event(ticket, kind, entry, message)
        if entries or any(found_ticket is ticket for found_ticket, _, _ in self.safety_found):
            self.safety_found.append((ticket, message, data))

    def _open(self, item, contact, previous=None, *, thread_key=None, answers=None):
        mail = next((self.mails_answered[i] for i in item.reply_to_ids if i in self.mails_answered), None)
        if mail is not None and contact.organization is None:  # whoever answers the account's mail is theirs
            Contact.objects.filter(pk=contact.pk).update(organization=mail.organization)
            contact.organization = mail.organization
        thread_key = thread_key or item.thread_key
        ticket = rows_new(
            Ticket, account=self.account, contact=contact, thread_key=thread_key, subject=subject_from(item),
            created_at=min(item.sent_at, self.now), previous_ticket=previous,
        )  # fmt: skip
        if contact.depends_on_power:  # a customer on life support is never Normal
            ticket.priority = max(ticket.priority, Ticket.Priority.HIGH)
        self.new_tickets.append(ticket)
        self.newest[thread_key] = ticket
        if previous:  # the ticket row records its creation; a follow-up's link is worth a timeline entry
            self._event(ticket, TicketEvent.Kind.CREATED, {"follows": previous.pk})
        if answers:  # linked once both have their ids: the one answered may be new in this batch too
            self.answering.append((ticket, answers))
        if mail is not None:
            self._event(ticket, TicketEvent.Kind.CREATED, {"answers": mail.subject, "account_mail": mail.pk})
            self.mail_replies.append((ticket, mail))
        manager = key_account_route(ticket, contact.organization)
        if manager is not None and self.account.assignment:  # assigned in _write, if on shift with room
            ticket.assignee = manager = None
        if manager is not None:
            self._event(ticket, TicketEvent.Kind.ASSIGNED, assigned_data(manager))
            self.routed.append((ticket, manager, contact.organization))
        self.result.tickets_opened += 1
        return ticket

    def _our_post(self, item):
        """Our own post came back in a poll: link it to the conversation it answers, never a ticket."""
        ticket = self._find(item)
        if ticket is None:
            self._set_aside(item, UnprocessedItem.Reason.OWN_POST)
        elif ticket.pk and _reconcile_cut_off_send(ticket, item):
            self.result.duplicates += 1
        else:
            self._message(item, ticket, Message.Direction.OUTBOUND, delivery_state=Message.Delivery.SENT)
            ticket.first_response_at = ticket.first_response_at or item.sent_at
            ticket.last_outbound_at = max(ticket.last_outbound_at or item.sent_at, item.sent_at)
            self._event(ticket, TicketEvent.Kind.REPLIED, {"outside_app": True})
            self.result.stored += 1

    def _automatic(self, item, ticket, identity):
        """Auto-replies and bounces stay on the ticket they concern; they never open one or touch SLA."""
        if ticket is None:
            self._set_aside(item, UnprocessedItem.Reason.AUTOMATIC_UNTHREADED)
            return
        self._message(item, ticket, Message.Direction.INBOUND, identity=identity, touch=False)
        self.result.stored += 1

    def _post_words(self, message, item):
        """A comment's webhook names its post by id only (Meta sends no post text); the poll that reads
        the same comment again brings the post's words, which the ticket quotes above the comment."""
        post = {name: item.context[name] for name in ("post_text", "post_url") if item.context.get(name)}
        if (
            message is None
            or message.direction != Message.Direction.INBOUND
            or not post.get("post_text")
            or (message.context or {}).get("post_text")
        ):
            return
        # Read again: moderation may have added to it since the batch began (it locks the ticket first,
        # as the batch has by now).
        context = {**(Message.objects.values_list("context", flat=True).get(pk=message.pk) or {}), **post}
        Message.objects.filter(pk=message.pk).update(context=context)
        message.context = context

    def _reconcile_echo(self, message):
        """A reply whose send was cut off mid-flight has evidently gone out: its echo is in the poll."""
        if (
            message
            and message.direction == Message.Direction.OUTBOUND
            and message.delivery_state in ("sending", "unknown")
        ):
            Message.objects.filter(pk=message.pk).update(
                delivery_state=Message.Delivery.SENT, delivery_error=""
            )

    def _set_aside(self, item, reason):
        UnprocessedItem.objects.bulk_create(
            [
                UnprocessedItem(
                    account=self.account, external_id=item.external_id, reason=reason, raw=item.raw or {}
                )
            ],
            ignore_conflicts=True,
        )
        self.result.set_aside += 1

    # Building rows -------------------------------------------------------------------------------

    def _identity(self, item):
        identity = self.identities[self._author_id(item)]
        author, changed = item.author, []
        profile = (
            ("handle", author.handle[:255]),
            ("display_name", author.name[:255]),
            ("avatar_url", author.avatar_url[:1000]),
        )
        for attribute, value in profile:
            if value and getattr(identity, attribute) != value:
                setattr(identity, attribute, value)
                changed.append(attribute)
        if changed:
            Identity.objects.filter(pk=identity.pk).update(
                **{name: getattr(identity, name) for name in changed}
            )
        contact, named = identity.contact, (author.name or author.handle)[:200]
        if named and contact.name == identity.external_id:  # named after their id: nothing better was known
            contact.name = named
            Contact.objects.filter(pk=contact.pk).update(name=named)
        return identity

    def _message(self, item, ticket, direction, *, identity=None, delivery_state="", touch=True):
        message = rows_new(
            Message, ticket=ticket, account=self.account, external_id=item.external_id,
            in_reply_to=item.reply_to_ids[0] if item.reply_to_ids else "", direction=direction,
            kind=item.kind, is_automatic=item.is_automatic, author_identity=identity,
            subject=item.subject[:500], text=item.text, html=item.html, url=item.url[:1000],
            context=item.context, raw=item.raw, sent_at=item.sent_at, delivery_state=delivery_state,
        )  # fmt: skip
        self.messages.append(message)
        self.ticket_of[item.external_id] = ticket
        self.attachments.extend((message, attachment) for attachment in item.attachments)
        if touch:
            self.touched[id(ticket)] = ticket
        return message

    def _event(self, ticket, kind, data=None, message=None):
        self.events.append((ticket, kind, data or {}, message))
        self.touched[id(ticket)] = ticket

    # 4. Writes -----------------------------------------------------------------------------------

    def _write(self):
        self._assign()
        for ticket in self.touched.values():
            ticket.updated_at = self.now
            ticket_sla_recompute(ticket, self.now, rules=self.rules)
        rows_insert(self.new_tickets)
        for ticket, answered in self.answering:
            ticket.answers_ticket = answered
            self._event(ticket, TicketEvent.Kind.CREATED, {"answers_ticket": answered.pk})
        Ticket.objects.bulk_update([ticket for ticket, _ in self.answering], ["answers_ticket"])
        new = {id(ticket) for ticket in self.new_tickets}
        existing = [ticket for key, ticket in self.touched.items() if key not in new]
        assignee = ["assignee"] if self.account.assignment else []  # rows locked in _load: no one else's
        Ticket.objects.bulk_update(existing, TICKET_FIELDS + SLA_FIELDS + assignee)
        rows_insert(self.messages)
        self._write_attachments()
        events = rows_insert(
            TicketEvent(ticket=ticket, kind=kind, data={**data, "message": message.pk} if message else data)
            for ticket, kind, data, message in self.events
        )
        self._safety_follow_up(events)
        for ticket, manager, organization in self.routed:
            manager_notify(ticket, manager, organization)
        if self.mail_replies:
            ingest_hooks().letter_replies(self.mail_replies)
        self._acknowledge()
        self._announce_stored()

    def _assign(self):
        """Automatic assignment (assignment.py) of the batch's unassigned tickets, when the account has it."""
        if not self.account.assignment:
            return
        for given in assignment.tickets_assign_at_ingest(self.account, list(self.touched.values()), self.now):
            self._event(given.ticket, TicketEvent.Kind.ASSIGNED, given.data)
            if given.key_account is not None:
                self.routed.append((given.ticket, given.agent.user, given.key_account))

    def _safety_follow_up(self, events):
        """New safety tickets escalate at once and their customers get the safety advice (who is told,
        and the texts, looked up once for the batch)."""
        fresh = {}  # ticket -> its first report of the batch still fresh (a backlog's old ones page nobody)
        for ticket, message, data in self.safety_found:
            if not safety.is_stale(message, self.now):
                fresh.setdefault(id(ticket), (ticket, message, data))
        if not fresh:
            return
        # The ticket's newest safety entry: a notification belongs to one event.
        reported = {event.ticket.pk: event for event in events if event.kind == TicketEvent.Kind.SAFETY}
        responders = safety.Responders.at(self.now, self.rules.schedule_for(self.account))
        for ticket, message, data in fresh.values():
            safety.safety_escalate(ticket, reported[ticket.pk], data, responders)
            safety.safety_reply(ticket, message, data, now=self.now, advice=responders.advice)

    def _acknowledge(self):
        """Out-of-hours acknowledgements: looked at once per batch, then per message only when due.
        Not on a safety ticket: its customer got the safety advice, and someone on call is on it."""
        enabled = set(AcknowledgementSetting.objects.filter(enabled=True).values_list("kind", flat=True))
        if not enabled or not any(message.kind in enabled for _, message in self.inbound):
            return
        if acknowledgements.closed_until(self.now, self.rules.schedule_for(self.account)) is None:
            return  # the team is on duty: no acknowledgement is due
        for ticket, message in self.inbound:
            if message.kind in enabled and not ticket.safety:
                acknowledgements.ticket_acknowledge_if_closed(ticket, message, now=self.now)

    def _announce_stored(self):
        """The customers' new messages, to whoever listens (hooks.inbound_stored), once committed: a
        batch rolled back (then applied item by item) announces nothing, each item announces itself."""
        stored = [message for _, message in self.inbound]
        if stored:
            transaction.on_commit(partial(ingest_hooks().inbound_stored, stored))

    def _write_attachments(self):
        for message, attachment in self.attachments:
            stored = Attachment(
                message=message, filename=attachment.filename[:255],
                content_type=attachment.content_type[:255], size=attachment.size, url=attachment.url,
            )  # fmt: skip
            content = attachment_content(attachment)
            if content is not None:
                with content:
                    stored.file.save(attachment.filename or "attachment", content, save=False)
            stored.save()

    # Helpers -------------------------------------------------------------------------------------

    def _is_ours(self, item):
        return (
            bool(self.account.self_external_id) and item.author.external_id == self.account.self_external_id
        )

    def _author_id(self, item):
        return normalise_external_id(self.account.kind, item.author.external_id)


def _reconcile_cut_off_send(ticket, item):
    """Our post whose send was cut off before we learnt its id: it went out; record its id."""
    pending = ticket.messages.filter(
        direction=Message.Direction.OUTBOUND,
        delivery_state__in=["sending", "unknown"],
        external_id__isnull=True,
    )
    for message in pending:
        if _comparable(message.text) == _comparable(item.text):
            Message.objects.filter(pk=message.pk).update(
                delivery_state=Message.Delivery.SENT,
                external_id=item.external_id,
                url=item.url[:1000],
                delivery_error="",
            )
            return True
    return False


def _comparable(text):
    # X returns our links shortened to t.co: compare what we wrote without its links.
    return " ".join(LINK.sub("", text).split())
