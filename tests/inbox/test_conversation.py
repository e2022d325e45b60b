"""The conversation on the ticket page: the Page post a comment answers, and links to the channel."""

import pytest
from django.urls import reverse

from .conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_a_comment_shows_the_post_it_answers_and_links_to_facebook(client, agent, facebook):
    post = {
        "post_id": "104_7",
        "post_text": "Outage update: crews in Riverside",
        "post_url": "https://www.facebook.com/104/posts/7",
    }
    ticket = open_ticket(
        facebook,
        kind="comment",
        thread_key="fb:104_7:7_8",
        external_id="7_8",
        context=post,
        url="https://www.facebook.com/104/posts/7?comment_id=8",
    )
    client.force_login(agent)
    html = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "comment ·" in html  # the kind of conversation, beside the channel
    assert "On the Page's post" in html and "Outage update: crews in Riverside" in html
    assert 'href="https://www.facebook.com/104/posts/7"' in html
    assert 'href="https://www.facebook.com/104/posts/7?comment_id=8"' in html and "view on Facebook" in html
