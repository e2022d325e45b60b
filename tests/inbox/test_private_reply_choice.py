"""The composer's "Reply publicly / Reply privately" control, where a channel has both kinds of reply."""

import pytest
from django.urls import reverse

from oss_inbox.tickets.services import ticket_reply

from .conftest import open_ticket

pytestmark = pytest.mark.django_db


def _page(client, ticket):
    return client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()


def _compose(client, ticket, text, **data):
    return client.post(reverse("inbox:compose", args=[ticket.pk]), {"text": text, "action": "reply", **data})


@pytest.fixture
def comment_ticket(facebook):
    return open_ticket(facebook, kind="comment", thread_key="fb:104000000000001_7:7_8", external_id="7_8")


def test_a_mention_offers_a_public_reply_tweet_or_a_private_dm(client, agent, x_ticket):
    client.force_login(agent)
    html = _page(client, x_ticket)
    assert '<option value="public">Reply publicly (a reply tweet)</option>' in html
    assert '<option value="private">Reply privately (a DM)</option>' in html


def test_a_facebook_comment_offers_a_comment_reply_or_messenger(client, agent, comment_ticket):
    client.force_login(agent)
    html = _page(client, comment_ticket)
    assert "Reply publicly (a comment reply)" in html and "Reply privately (Messenger)" in html


def test_email_and_messenger_have_one_kind_of_reply_and_no_choice(client, agent, email_ticket, facebook):
    client.force_login(agent)
    messenger = open_ticket(facebook, kind="messenger", thread_key="fbm:t_1")
    assert 'name="reply_as"' not in _page(client, email_ticket)
    assert 'name="reply_as"' not in _page(client, messenger)


def test_replying_privately_queues_a_dm_shown_as_a_private_reply(
    client, agent, x_ticket, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    with django_capture_on_commit_callbacks() as callbacks:
        assert (
            _compose(client, x_ticket, "Kim, please DM us your address.", reply_as="private").status_code
            == 302
        )
    reply = x_ticket.messages.get(direction="outbound")
    assert (reply.kind, reply.delivery_state, len(callbacks)) == ("dm", "queued", 1)
    public = ticket_reply(ticket=x_ticket, author=agent, text="@kjones crews are on Elm St.")
    html = _page(client, x_ticket)
    assert html.count('class="badge private-reply"') == 1 and public.kind == "mention"


def test_a_private_dm_on_x_is_not_held_to_280_characters(client, agent, x_ticket):
    client.force_login(agent)
    long_text = "Kim, here is what happened. " * 20  # 560 characters
    assert _compose(client, x_ticket, long_text, reply_as="public").status_code == 422
    assert _compose(client, x_ticket, long_text, reply_as="private").status_code == 302
    assert x_ticket.messages.get(direction="outbound").kind == "dm"


def test_a_refused_reply_keeps_the_private_choice(client, agent, comment_ticket):
    client.force_login(agent)
    response = _compose(client, comment_ticket, "x" * 2001, reply_as="private")
    html = response.content.decode()
    assert response.status_code == 422
    assert "Messenger allows 2,000 characters; this reply is 1 too long." in html
    assert '<option value="private" selected>' in html


def test_a_private_reply_asked_of_an_email_is_refused_in_words(client, agent, email_ticket):
    client.force_login(agent)
    response = _compose(client, email_ticket, "Hello", reply_as="private")
    assert response.status_code == 422
    assert (
        "Only an X mention or a Facebook comment or post can be answered privately."
        in response.content.decode()
    )
    assert not email_ticket.messages.filter(direction="outbound").exists()
