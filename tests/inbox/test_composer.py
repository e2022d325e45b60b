"""The composer: replies, notes, Send & resolve, the X length limit and the collision warning."""

import re

import pytest
from django.urls import reverse

from channels.registry import spec_for
from oss_inbox.tickets.models import Message
from oss_inbox.tickets.services import ticket_reply

pytestmark = pytest.mark.django_db


def _compose(client, ticket, text, action="reply", **data):
    return client.post(reverse("inbox:compose", args=[ticket.pk]), {"text": text, "action": action, **data})


def test_reply_is_queued_for_sending(client, agent, x_ticket, django_capture_on_commit_callbacks):
    client.force_login(agent)
    with django_capture_on_commit_callbacks() as callbacks:
        assert _compose(client, x_ticket, "Crews are on their way.").status_code == 302
    reply = x_ticket.messages.get(direction="outbound")
    assert (reply.text, reply.author_user, reply.delivery_state) == (
        "Crews are on their way.",
        agent,
        "queued",
    )
    assert len(callbacks) == 1


def test_send_and_resolve(client, agent, email_ticket, django_capture_on_commit_callbacks):
    client.force_login(agent)
    with django_capture_on_commit_callbacks():
        _compose(client, email_ticket, "Your bill is corrected.", action="reply_resolve")
    email_ticket.refresh_from_db()
    assert email_ticket.status == "resolved"
    assert email_ticket.messages.filter(direction="outbound").count() == 1


def test_note_stays_internal(client, agent, x_ticket, django_capture_on_commit_callbacks):
    client.force_login(agent)
    with django_capture_on_commit_callbacks() as callbacks:
        _compose(client, x_ticket, "Checked the outage map: ticket 77", action="note")
    assert x_ticket.messages.get(direction="note").text == "Checked the outage map: ticket 77"
    assert not x_ticket.messages.filter(direction="outbound").exists() and callbacks == []


def test_over_long_x_reply_is_refused_in_plain_words(client, agent, x_ticket):
    client.force_login(agent)
    response = _compose(client, x_ticket, "a" * 281)
    assert response.status_code == 422
    html = response.content.decode()
    assert "X allows 280 characters; this reply is 1 too long." in html
    assert "a" * 281 in html  # the typed text is kept
    assert not x_ticket.messages.filter(direction="outbound").exists()


def reply_length_problem(kind, text, private=False, answered_kind=""):
    return spec_for(kind).reply_problem(text, answered_kind=answered_kind, private=private)


def test_email_has_no_280_limit_but_empty_replies_are_refused():
    assert reply_length_problem("email", "a" * 2000) == ""
    assert reply_length_problem("twitter", "a" * 280) == ""
    assert reply_length_problem("twitter", "https://example.com/" + "a" * 250) == ""  # a link counts 23
    assert reply_length_problem("facebook", "  ") == "Write something before sending."
    assert reply_length_problem("twitter", "a" * 600, answered_kind="dm") == ""  # a DM takes 10,000
    assert reply_length_problem("twitter", "a" * 600, private=True) == ""  # a private answer is a DM


def test_colleague_reply_since_page_opened_asks_to_confirm(client, agent, other_agent, x_ticket):
    client.force_login(agent)
    seen = 0  # the page was opened before any reply
    ticket_reply(ticket=x_ticket, author=other_agent, text="Lee answered first.")
    response = _compose(client, x_ticket, "Crews are on their way.", seen_outbound=seen)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Lee replied to this customer after you opened the ticket. Send yours anyway?" in html
    assert 'name="confirmed" value="1"' in html and "Crews are on their way." in html
    assert x_ticket.messages.filter(direction="outbound").count() == 1
    assert (
        _compose(client, x_ticket, "Crews are on their way.", seen_outbound=seen, confirmed="1").status_code
        == 302
    )
    assert x_ticket.messages.filter(direction="outbound").count() == 2


def test_no_warning_when_the_colleague_reply_was_already_seen(client, agent, other_agent, x_ticket):
    client.force_login(agent)
    earlier = ticket_reply(ticket=x_ticket, author=other_agent, text="Lee answered first.")
    html = client.get(reverse("inbox:ticket", args=[x_ticket.pk])).content.decode()
    assert f'name="seen_outbound" value="{earlier.pk}"' in html
    assert _compose(client, x_ticket, "Following up.", seen_outbound=earlier.pk).status_code == 302


def test_own_earlier_reply_is_no_collision(client, agent, x_ticket):
    client.force_login(agent)
    ticket_reply(ticket=x_ticket, author=agent, text="First.")
    assert _compose(client, x_ticket, "Second.", seen_outbound=0).status_code == 302
    assert Message.objects.filter(ticket=x_ticket, direction="outbound").count() == 2


def test_a_post_that_does_not_say_reply_or_note_sends_nothing_and_keeps_the_text(client, agent, x_ticket):
    """A note must never be taken for a reply: without its button's value the composer asks instead."""
    client.force_login(agent)
    response = client.post(
        reverse("inbox:compose", args=[x_ticket.pk]), {"text": "Check the substation logs"}
    )
    html = response.content.decode()
    assert response.status_code == 422 and "Choose Send or Add internal note." in html
    assert "Check the substation logs</textarea>" in html
    assert not x_ticket.messages.exclude(direction="inbound").exists()


def test_the_same_composer_posted_twice_answers_the_customer_once(
    client, agent, x_ticket, django_capture_on_commit_callbacks
):
    """A double click on Send, or a request the browser sends again: one reply, one note."""
    client.force_login(agent)
    page = client.get(reverse("inbox:ticket", args=[x_ticket.pk])).content.decode()
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)
    with django_capture_on_commit_callbacks():
        for _ in range(2):
            assert _compose(client, x_ticket, "Crews are on their way.", once=once).status_code == 302
    assert x_ticket.messages.filter(direction="outbound").count() == 1
    page = client.get(reverse("inbox:ticket", args=[x_ticket.pk])).content.decode()
    again = re.search(r'name="once" value="([^"]+)"', page).group(1)
    assert again != once
    for _ in range(2):
        _compose(client, x_ticket, "Checked the map", action="note", once=again)
    assert x_ticket.messages.filter(direction="note").count() == 1
