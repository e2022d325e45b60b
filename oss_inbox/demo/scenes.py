"""One ticket's history, played through the real services at the moments it happened.

Everything a customer writes goes through `ingest`; everything the team does goes through the
ticket services. The services read the clock, so each step runs inside `at(moment)`.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from django.utils import timezone

from oss_inbox.tickets.models import Message
from oss_inbox.tickets.services import (
    ingest,
    ticket_add_note,
    ticket_assign,
    ticket_claim,
    ticket_reply,
    ticket_set_status,
)

from . import content


class DemoError(Exception):
    """The demo world could not be built as written."""


@contextmanager
def at(moment):
    """Run the services as if it were `moment`.

    The services, the SLA recompute and the auto_now fields all call `timezone.now()` through the
    module attribute, so patching that one attribute makes `resolved_at`, event times and SLA states
    of a replayed history come out as they would have then. (`ticket_set_status` would otherwise
    resolve every old ticket "now", and the reopen window could never be passed.)
    """
    with mock.patch.object(timezone, "now", lambda: moment):
        yield


@dataclass
class Cast:
    """What every scene of one build shares."""

    rng: object
    ids: object
    agents: list
    supervisor: object


class Scene:
    def __init__(self, cast, conversation, topic, values, agent):
        self.cast = cast
        self.rng = cast.rng
        self.conversation = conversation
        self.topic = topic
        self.values = values
        self.agent = agent
        self.ticket = None

    def perform(self, action, argument, moment):
        getattr(self, action)(moment, argument)

    def text(self, role, **overrides):
        return content.pick(self.rng, self.topic, role, {**self.values, **overrides})

    # The customer's side: every item goes through ingest, as a poll would deliver it.

    def customer(self, moment, role):
        self._ingest(self.conversation.say(self.text(role), moment), moment)

    def follow_up(self, moment, _):
        text = self.text("follow_ups") + self.text("openings")
        self._ingest(self.conversation.say(text, moment), moment)

    def photo(self, moment, _):
        self._ingest(self.conversation.with_photo(self.text("photo_openings"), moment), moment)

    def auto_reply(self, moment, _):
        text = self.rng.choice(content.AUTO_REPLIES).format_map(self.values)
        self._ingest(self.conversation.auto_reply(text, moment), moment)

    def _ingest(self, item, moment):
        with at(moment):
            result = ingest(self.conversation.account, [item])
        if result.failed or result.set_aside:
            raise DemoError(f"Demo item {item.external_id} was not stored: {result.errors or 'set aside'}")
        self.ticket = (
            Message.objects.select_related("ticket")
            .get(account=self.conversation.account, external_id=item.external_id)
            .ticket
        )

    # The team's side: one service call per step.

    def claim(self, moment, _):
        with at(moment):
            self.ticket = ticket_claim(ticket=self.ticket, user=self.agent)

    def reply(self, moment, role):
        text = self.conversation.our_text(self.text(role), self.agent)
        with at(moment):
            ticket_reply(
                ticket=self.ticket,
                author=self.agent,
                text=text,
                sent_at=moment,
                delivered_as=self.conversation.sent(moment),
            )

    def note(self, moment, role):
        with at(moment):
            ticket_add_note(ticket=self.ticket, author=self.agent, text=self.text(role))

    def supervisor_note(self, moment, role):
        with at(moment):
            ticket_add_note(ticket=self.ticket, author=self.cast.supervisor, text=self.text(role))

    def reassign(self, moment, _):
        """The supervisor hands the ticket to the other agent, and says why."""
        other = next(agent for agent in self.cast.agents if agent != self.agent)
        text = self.text("reassign_notes", agent=other.first_name)
        with at(moment):
            ticket_assign(ticket=self.ticket, assignee=other, actor=self.cast.supervisor)
            ticket_add_note(ticket=self.ticket, author=self.cast.supervisor, text=text)
        self.agent = other

    def status(self, moment, status):
        with at(moment):
            ticket_set_status(ticket=self.ticket, status=status, actor=self.agent)
