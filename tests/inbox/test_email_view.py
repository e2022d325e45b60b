"""Email on the ticket page: its HTML sanitised, the earlier messages it quotes collapsed."""

import pytest
from django.urls import reverse

from channels.email.parse import parse_email
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services.ingest import ingest

pytestmark = pytest.mark.django_db

HTML_REPLY = b"""From: Maria Lopez <maria@example.com>
To: help@utility.example
Subject: Re: Bill higher than usual
Message-ID: <reply-1@mail.example>
Date: Mon, 02 Nov 2026 15:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

Thanks, the meter reading was **wrong**.

On Sun, Nov 1, 2026 at 9:02 AM Prairie Help <help@utility.example> wrote:
> Could you send a photo of your meter?
--b
Content-Type: text/html; charset=utf-8

<div dir="ltr">Thanks, the meter reading was <b>wrong</b>.<script>alert(1)</script>
<img src="https://tracker.example/open.png" alt=""><a href="javascript:alert(2)" onclick="x()">see</a></div>
<div class="gmail_quote"><div class="gmail_attr">On Sun, Nov 1, 2026 at 9:02 AM Prairie Help
&lt;help@utility.example&gt; wrote:<br></div><blockquote class="gmail_quote">Could you send a photo of
your meter?</blockquote></div>
--b--
"""

TEXT_REPLY = b"""From: Maria Lopez <maria@example.com>
To: help@utility.example
Subject: Re: Payment plan
Message-ID: <reply-2@mail.example>
Date: Mon, 02 Nov 2026 15:00:00 +0000
Content-Type: text/plain; charset=utf-8

Yes, the 12-month plan please.

On Sun, Nov 1, 2026 at 9:02 AM Prairie Help <help@utility.example> wrote:
> Would a 6- or 12-month plan suit you?
"""


def _page(client, mailbox, raw):
    ingest(mailbox, [parse_email(raw, mailbox_address="help@utility.example")])
    ticket = Ticket.objects.get(account=mailbox)
    return client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()


def _between(html, start, end):
    return html[html.index(start) : html.index(end, html.index(start))]


def test_html_email_is_shown_sanitised_with_its_quote_collapsed(client, agent, mailbox):
    client.force_login(agent)
    html = _page(client, mailbox, HTML_REPLY)
    body = _between(html, '<div class="body email-html">', "</li>")
    assert "the meter reading was <b>wrong</b>" in body
    assert (
        "<script" not in body
        and "alert(1)" not in body
        and "javascript:" not in body
        and "onclick" not in body
    )
    assert "tracker.example" not in html  # a remote image would tell the sender we opened it
    new_part, quoted = body.split('<details class="quoted">')
    assert "photo of" not in new_part
    assert (
        "Show the earlier messages this email quotes" in quoted
        and "wrote:" in quoted
        and "photo of" in quoted
    )


def test_plain_text_email_keeps_its_quote_collapsed_too(client, agent, mailbox):
    client.force_login(agent)
    html = _page(client, mailbox, TEXT_REPLY)
    new_part, quoted = _between(html, '<div class="body">', "</li>").split('<details class="quoted">')
    assert "Yes, the 12-month plan please." in new_part and "Would a 6- or 12-month" not in new_part
    assert "Would a 6- or 12-month plan suit you?" in quoted
