"""Attachments on the ticket page: stored files to agents only, images shown, anything else downloaded."""

import pytest
from django.urls import reverse

from channels.base import InboundAttachment
from oss_inbox.tickets.models import Attachment

from .conftest import open_ticket

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 16


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _url(ticket, attachment):
    return reverse("inbox:attachment", args=[ticket.pk, attachment.pk])


def _mail_with(mailbox, *attachments):
    ticket = open_ticket(mailbox, attachments=attachments)
    return ticket, {a.filename: a for a in Attachment.objects.filter(message__ticket=ticket)}


def test_an_emailed_file_is_linked_and_downloads_whole(client, agent, mailbox):
    ticket, stored = _mail_with(
        mailbox, InboundAttachment("bill.pdf", "application/pdf", b"%PDF-1.7 my bill")
    )
    client.force_login(agent)
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert f'href="{_url(ticket, stored["bill.pdf"])}"' in page and "bill.pdf" in page
    response = client.get(_url(ticket, stored["bill.pdf"]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.7 my bill"
    assert response["Content-Disposition"] == 'attachment; filename="bill.pdf"'


def test_an_image_shows_in_the_page_and_html_never_runs_as_a_page(client, agent, mailbox):
    ticket, stored = _mail_with(
        mailbox,
        InboundAttachment("meter.png", "image/png", PNG),
        InboundAttachment("invoice.html", "text/html", b"<script>alert(1)</script>"),
    )
    client.force_login(agent)
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert f'<img src="{_url(ticket, stored["meter.png"])}" alt="meter.png"' in page
    image = client.get(_url(ticket, stored["meter.png"]))
    assert image["Content-Type"] == "image/png" and image["Content-Disposition"].startswith("inline")
    html = client.get(_url(ticket, stored["invoice.html"]))
    assert html["Content-Type"] == "application/octet-stream" and html["Content-Disposition"].startswith(
        "attachment"
    )
    assert html["Content-Security-Policy"] == "default-src 'none'"


def test_only_agents_get_a_file_and_only_through_its_own_ticket(client, agent, outsider, mailbox):
    ticket, stored = _mail_with(mailbox, InboundAttachment("bill.pdf", "application/pdf", b"%PDF"))
    other, _ = _mail_with(mailbox, InboundAttachment("other.pdf", "application/pdf", b"%PDF"))
    client.force_login(outsider)
    assert client.get(_url(ticket, stored["bill.pdf"])).status_code == 403
    client.force_login(agent)
    assert client.get(reverse("inbox:attachment", args=[other.pk, stored["bill.pdf"].pk])).status_code == 404
    assert client.get(f"/media/{stored['bill.pdf'].file.name}").status_code == 404  # no public media URL


def test_media_the_channel_keeps_links_out_to_it(client, agent, twitter):
    photo = InboundAttachment("3_99.jpg", "image/jpeg", url="https://pbs.twimg.com/media/abc.jpg")
    ticket = open_ticket(twitter, attachments=(photo,))
    client.force_login(agent)
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert (
        '<a href="https://pbs.twimg.com/media/abc.jpg" rel="noopener noreferrer" target="_blank">'
        "📎 3_99.jpg</a>" in page
    )
    assert "<img" not in page.split('class="conversation"')[1]  # a third party's server never sees the agent


def test_a_link_a_customer_shared_is_only_a_link_when_it_is_a_web_address(client, agent, facebook):
    hostile = InboundAttachment("9-link", "text/uri-list", url="javascript:alert(document.cookie)")
    ticket = open_ticket(facebook, kind="comment", thread_key="fb:9:1", attachments=(hostile,))
    client.force_login(agent)
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "javascript:" not in page and "📎 9-link" in page


def test_the_admin_links_a_stored_file_through_the_agents_view(client, admin_user, mailbox):
    ticket, stored = _mail_with(mailbox, InboundAttachment("bill.pdf", "application/pdf", b"%PDF"))
    client.force_login(admin_user)
    page = client.get(
        reverse("admin:tickets_attachment_change", args=[stored["bill.pdf"].pk])
    ).content.decode()
    assert f'<a href="{_url(ticket, stored["bill.pdf"])}">bill.pdf</a>' in page and "/media/" not in page
