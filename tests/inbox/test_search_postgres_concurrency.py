"""Two messages written to one ticket at once, on two PostgreSQL connections: both are searchable."""

import time

import pytest
from django.db import transaction

from oss_inbox.inbox.search import search_condition
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ticket_add_note, ticket_reply

from ..conftest import queue_worker
from ..tickets.test_ingest_concurrency import run_concurrently
from .conftest import open_ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_note_written_while_a_reply_commits_leaves_both_searchable(mailbox):
    agent, other_agent = queue_worker("dana"), queue_worker("lee")
    ticket = open_ticket(mailbox, text="My meter is making a noise")

    def reply_slowly():
        with transaction.atomic():
            ticket_reply(
                ticket=Ticket.objects.get(pk=ticket.pk), author=agent, text="A technician visits Thursday"
            )
            time.sleep(1)  # the note is written meanwhile, from a snapshot without this reply

    def note_meanwhile():
        time.sleep(0.3)
        ticket_add_note(
            ticket=Ticket.objects.get(pk=ticket.pk), author=other_agent, text="Check the substation logs"
        )

    run_concurrently(reply_slowly, note_meanwhile)
    for word in ("meter", "technician", "substation"):
        assert list(Ticket.objects.filter(search_condition(word)).values_list("pk", flat=True)) == [
            ticket.pk
        ], word
