"""An Instagram conversation on the ticket page (the post a comment answers, the reply choices), and
its safety advice."""

from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.models import ChannelAccount
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ingest

from .. import factories
from .conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_an_instagram_comment_shows_our_post_and_offers_a_private_reply(client, agent):
    instagram = ChannelAccount.objects.create(
        kind="instagram", name="Instagram @prairie_eg", self_external_id="17841400000000001"
    )
    post = {
        "media_id": "1790",
        "post_text": "Storm crews are out tonight",
        "post_url": "https://www.instagram.com/p/SBX1/",
    }
    ticket = open_ticket(
        instagram,
        kind="ig_comment",
        thread_key="ig:1790:1785",
        external_id="1785",
        context=post,
        url=post["post_url"],
    )
    client.force_login(agent)

    html = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()

    assert "On our Instagram post" in html and "Storm crews are out tonight" in html
    assert "open on Instagram" in html and "view on Instagram" in html
    assert "Reply privately (a DM)" in html
    assert '<span class="channel channel-instagram">' in html


def test_an_instagram_safety_report_gets_the_safety_advice_on_instagram():
    instagram = ChannelAccount.objects.create(
        kind="instagram", name="Instagram", self_external_id="17841400000000001"
    )
    report = factories.inbound(
        kind="ig_dm",
        thread_key="igdm:6602",
        text="power line down and sparking on Elm St, right by the school",
    )

    ingest(instagram, [replace(report, sent_at=timezone.now())])

    ticket = Ticket.objects.get(thread_key="igdm:6602")
    [advice] = ticket.messages.filter(direction="outbound", context__safety_advice__isnull=False)
    assert ticket.safety and advice.kind == "ig_dm" and "30 feet" in advice.text
