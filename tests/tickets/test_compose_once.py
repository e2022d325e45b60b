"""One reply or note per composer, decided by the database (issue 13, item 5): a double click on
Send answers the customer once with any cache, or none, and any number of web processes."""

import re

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from oss_inbox.tickets.models import Message, TicketEvent
from oss_inbox.tickets.services import AlreadyPosted, ComposerReused, ticket_add_note, ticket_reply
from tests.inbox.conftest import open_ticket

pytestmark = pytest.mark.django_db

NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
PANE = {"HX-Request": "true", "HX-Target": "ticket-pane", "HX-Boosted": "true"}
USED = "This reply box was already used to send another message; your text is kept below"


def test_a_reply_posted_again_from_its_composer_is_refused_and_changes_nothing(agent, twitter):
    ticket = open_ticket(twitter)
    first = ticket_reply(ticket=ticket, author=agent, text="Crews are on their way.", compose_token="tok-1")
    events = TicketEvent.objects.filter(ticket=ticket).count()
    with pytest.raises(AlreadyPosted) as posted:
        ticket_reply(ticket=ticket, author=agent, text="Crews are on their way.", compose_token="tok-1")
    assert posted.value.message == first
    assert list(ticket.messages.filter(direction="outbound")) == [first]
    assert TicketEvent.objects.filter(ticket=ticket).count() == events


def test_a_note_posted_again_from_its_composer_is_refused(agent, twitter):
    ticket = open_ticket(twitter)
    ticket_add_note(ticket=ticket, author=agent, text="Checked the map", compose_token="tok-2")
    with pytest.raises(AlreadyPosted):
        ticket_add_note(ticket=ticket, author=agent, text="Checked the map", compose_token="tok-2")
    assert ticket.messages.filter(direction="note").count() == 1


def test_replies_without_a_token_or_with_different_tokens_all_stand(agent, twitter):
    """Automatic replies, imports and bulk answers carry no token: the index leaves them alone."""
    ticket = open_ticket(twitter)
    for token in (None, None, "a", "b"):
        ticket_reply(ticket=ticket, author=agent, text="On it.", compose_token=token)
    assert ticket.messages.filter(direction="outbound").count() == 4


def test_the_refusal_leaves_the_callers_transaction_usable(agent, twitter):
    """The failed insert runs in its own savepoint: on PostgreSQL the surrounding transaction is not
    aborted."""
    ticket = open_ticket(twitter)
    ticket_reply(ticket=ticket, author=agent, text="One", compose_token="tok-3")
    with transaction.atomic():
        with pytest.raises(AlreadyPosted):
            ticket_reply(ticket=ticket, author=agent, text="One", compose_token="tok-3")
        assert Message.objects.filter(compose_token="tok-3").count() == 1


@override_settings(CACHES=NO_CACHE)
@pytest.mark.parametrize("action", ["reply", "reply_resolve", "note"])
def test_the_same_composer_posted_twice_with_no_cache_answers_alike_and_stores_once(
    client, agent, twitter, action
):
    """No cache at all (dummy://): the second post redirects to the ticket as the first did."""
    ticket = open_ticket(twitter)
    client.force_login(agent)
    post = {"text": "Crews are on their way.", "action": action, "once": "composer-1"}
    answers = [client.post(reverse("inbox:compose", args=[ticket.pk]), post) for _ in range(2)]
    assert [(answer.status_code, answer.url) for answer in answers] == [(302, f"/tickets/{ticket.pk}/")] * 2
    assert ticket.messages.exclude(direction="inbound").count() == 1
    ticket.refresh_from_db()
    assert ticket.status == {"reply": "open", "reply_resolve": "resolved", "note": "new"}[action]


@pytest.mark.parametrize(
    "second",
    [
        {"text": "Power is back on Elm St."},  # Back to a restored page, a new text written
        {"other_ticket": True},
        {"other_author": True},
        {"as_note": True},
    ],
)
def test_a_different_message_from_a_used_composer_is_no_repeat_and_stores_nothing(
    agent, other_agent, twitter, second
):
    ticket = open_ticket(twitter)
    first = ticket_reply(ticket=ticket, author=agent, text="Crews are on their way.", compose_token="tok-4")
    where = open_ticket(twitter, text="Mine too, on Oak Ave") if second.get("other_ticket") else ticket
    who = other_agent if second.get("other_author") else agent
    text = second.get("text", "Crews are on their way.")
    with pytest.raises(ComposerReused) as reused:
        if second.get("as_note"):
            ticket_add_note(ticket=where, author=who, text=text, compose_token="tok-4")
        else:
            ticket_reply(ticket=where, author=who, text=text, compose_token="tok-4")
    assert reused.value.message == first
    assert list(Message.objects.exclude(direction="inbound")) == [first]


def _token(html):
    return re.search(r'name="once" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("headers", [{}, PANE], ids=["page", "pane"])
@pytest.mark.parametrize("action", ["reply", "reply_resolve", "note"])
def test_a_new_text_sent_from_a_used_composer_is_refused_with_the_text_kept_and_goes_on_the_next_send(
    client, agent, twitter, action, headers, django_capture_on_commit_callbacks
):
    """Back to a page restored with its composer's token already used, a different text written:
    refused in plain words, the text kept, and a fresh token so that the next press sends it."""
    ticket = open_ticket(twitter)
    client.force_login(agent)
    url = reverse("inbox:compose", args=[ticket.pk])
    once = _token(client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode())
    with django_capture_on_commit_callbacks():
        assert (
            client.post(url, {"text": "Crews are on their way.", "action": action, "once": once}).status_code
            == 302
        )
        again = {"text": "Power is back on Elm St.", "action": action, "once": once}
        refused = client.post(url, again, headers=headers)
    html = refused.content.decode()
    assert refused.status_code == 422 and USED in html
    assert "Power is back on Elm St.</textarea>" in html
    assert ticket.messages.exclude(direction="inbound").count() == 1
    fresh = _token(html)
    assert fresh != once
    with django_capture_on_commit_callbacks():
        client.post(
            url, {"text": "Power is back on Elm St.", "action": action, "once": fresh}, headers=headers
        )
    assert sorted(ticket.messages.exclude(direction="inbound").values_list("text", flat=True)) == [
        "Crews are on their way.",
        "Power is back on Elm St.",
    ]
