"""Search of the open views on PostgreSQL: TicketSearch rows kept by triggers, whatever writes the
messages."""

import pytest
from django.urls import reverse

from oss_inbox.inbox.mentions import note_add
from oss_inbox.tickets.models import Ticket, TicketSearch
from oss_inbox.tickets.services import ingest, ticket_reply, ticket_set_status
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _found(client, q, view="open"):
    return [t.pk for t in client.get(reverse("inbox:queue"), {"q": q, "view": view}).context["page"].tickets]


def test_every_message_of_an_open_ticket_is_searchable_and_a_resolved_one_leaves_the_open_views(
    client, agent, mailbox
):
    client.force_login(agent)
    first = factories.email(subject="Meter", text="My meter is making a noise")
    ingest(mailbox, [first])
    ticket = Ticket.objects.get()
    ingest(
        mailbox,
        [factories.email(text="Now the transformer is humming too", reply_to_ids=[first.external_id])],
    )
    ticket_reply(ticket=ticket, author=agent, text="A technician will visit on Thursday")
    note_add(ticket=ticket, author=agent, text="Check the substation logs")
    # Stems: "transformers" finds "transformer".
    for word in ("meter", "transformers", "technician", "substation"):
        assert _found(client, word) == [ticket.pk], word

    ticket_set_status(ticket=ticket, status="resolved", actor=agent)
    assert not TicketSearch.objects.filter(ticket=ticket).exists()
    assert _found(client, "transformer") == []
    assert _found(client, "transformer", view="resolved") == [ticket.pk]

    ticket_set_status(ticket=ticket, status="open", actor=agent)  # reopened: searchable again, every message
    assert _found(client, "meter") == _found(client, "substation") == [ticket.pk]


def test_bulk_written_tickets_are_searchable_like_ingested_ones(client, agent, twitter):
    """The ingest writes a batch's messages with COPY: the trigger sees those rows too."""
    client.force_login(agent)
    ingest(
        twitter,
        [
            factories.inbound(
                who=factories.author(str(n), f"user{n}", f"User {n}"), text=f"Streetlight {n} flickers"
            )
            for n in range(5)
        ],
    )
    assert TicketSearch.objects.count() == 5
    assert len(_found(client, "flicker")) == 5


def test_an_email_of_megabytes_of_distinct_words_is_stored_and_found_by_its_start(client, agent, mailbox):
    """A tsvector holds at most 1 MB: a pasted log used to make PostgreSQL refuse the message (and
    so the whole mailbox's poll, again and again). Only the start of a long text is indexed now."""
    client.force_login(agent)
    log = " ".join(f"w{n:07x}" for n in range(400_000))  # 3.6 MB of distinct words
    result = ingest(mailbox, [factories.email(subject="Log", text="Breaker tripped, log below\n" + log)])
    assert (result.stored, result.failed) == (1, 0)
    ticket = Ticket.objects.get()
    assert len(ticket.messages.get().text) > 3_000_000  # stored whole; only the index is cut
    assert _found(client, "breaker") == [ticket.pk]
    assert _found(client, "breaker", view="resolved") == []


def test_a_long_new_message_does_not_push_the_earlier_ones_out_of_the_search(client, agent, mailbox):
    client.force_login(agent)
    first = factories.email(subject="Meter", text="My meter is making a noise")
    ingest(mailbox, [first])
    log = " ".join(f"w{n:07x}" for n in range(30_000))  # 270,000 characters
    ingest(mailbox, [factories.email(text="Log below\n" + log, reply_to_ids=[first.external_id])])
    assert _found(client, "meter") == [Ticket.objects.get().pk]


def test_a_message_redacted_or_deleted_leaves_the_search_and_a_ticket_can_still_be_deleted(
    client, agent, mailbox
):
    client.force_login(agent)
    first = factories.email(subject="Card", text="My card number is 4111111111111111")
    ingest(mailbox, [first])
    ingest(mailbox, [factories.email(text="And my phone is 5550100", reply_to_ids=[first.external_id])])
    ticket = Ticket.objects.get()
    card = ticket.messages.order_by("id").first()
    card.text = "My card number is [removed]"
    card.save()
    assert _found(client, "4111111111111111") == []
    ticket.messages.order_by("id").last().delete()
    assert _found(client, "5550100") == [] and _found(client, "card") == [ticket.pk]
    ticket.delete()  # messages and search row go with it; no search row comes back
    assert not TicketSearch.objects.exists()
