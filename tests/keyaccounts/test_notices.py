"""Proactive notices: one letter to many key accounts, on every timeline, delivered over SMTP."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from oss_inbox.keyaccounts.mail import ACCOUNT_MAIL_OUTBOX
from oss_inbox.keyaccounts.models import AccountEvent, AccountMail, Notice
from oss_inbox.keyaccounts.notices import notice_send
from oss_inbox.tickets.tasks import deliver

pytestmark = pytest.mark.django_db

OUTAGE = {
    "kind": "planned_outage",
    "subject": "Planned outage: feeder 12, Saturday 6–8 am",
    "body": "We will switch feeder 12 off on Saturday from 6 to 8 am to replace a transformer.",
}


def test_a_notice_to_two_accounts_reaches_every_contact_and_is_on_both_timelines(
    hospital, plant, supervisor, sending_mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        notice = notice_send(
            sender=supervisor, organizations=[hospital, plant], account=sending_mailbox, **OUTAGE
        )
    assert len(callbacks) == notice.mails.count()  # one enqueue per letter, after commit
    for mail in notice.mails.all():
        deliver(ACCOUNT_MAIL_OUTBOX, mail.pk)

    delivered = sorted(found.rcpt_tos[0] for found in smtp_sink.received)
    assert delivered == ["jo@stmarys.example", "pat@stmarys.example", "ray@northside.example"]
    assert {found.message()["Subject"] for found in smtp_sink.received} == {OUTAGE["subject"]}
    by_address = dict(notice.mails.values_list("address", "organization__name"))
    assert by_address["ray@northside.example"] == "Northside Water Plant"
    for organization in (hospital, plant):
        event = AccountEvent.objects.get(organization=organization, kind="notice")
        assert event.summary == OUTAGE["subject"]  # it says "Planned outage" already
        assert event.actor == supervisor and event.data["notice"] == notice.pk


def test_an_account_manager_sends_notices_only_to_the_accounts_they_manage(
    hospital, plant, agent, sending_mailbox
):
    with pytest.raises(PermissionDenied):
        notice_send(sender=agent, organizations=[hospital, plant], account=sending_mailbox, **OUTAGE)
    assert not Notice.objects.exists()

    notice_send(sender=agent, organizations=[hospital], account=sending_mailbox, **OUTAGE)
    assert set(AccountMail.objects.values_list("organization__name", flat=True)) == {"St. Mary's Hospital"}


def test_compose_preview_and_send_from_the_pages_then_the_list_counts_deliveries(
    client, hospital, plant, supervisor, sending_mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)
    form = {**OUTAGE, "all_accounts": "on", "account": sending_mailbox.pk}

    preview = client.post(reverse("keyaccounts:notice_new"), {**form, "action": "preview"}).content.decode()
    assert "jo@stmarys.example" in preview and "ray@northside.example" in preview
    assert not Notice.objects.exists()

    with django_capture_on_commit_callbacks():
        response = client.post(reverse("keyaccounts:notice_new"), {**form, "action": "send"})
    notice = Notice.objects.get()
    assert response.url == reverse("keyaccounts:notice", args=[notice.pk])
    assert set(notice.organizations.all()) == {hospital, plant}

    smtp_sink.fail_next(1, code=550, text="No such user here")  # the first letter bounces at once
    for mail in notice.mails.order_by("pk"):
        deliver(ACCOUNT_MAIL_OUTBOX, mail.pk)

    listing = client.get(reverse("keyaccounts:notices")).content.decode()
    counts = listing.split(OUTAGE["subject"])[1]
    assert "<td>0</td>\n      <td>2</td>" in counts  # queued 0, sent 2
    assert '<span class="sla-breached">1' in counts  # failed 1
    page = client.get(response.url).content.decode()
    assert "No such user here" in page


def test_notices_need_a_key_account_to_manage(client, agent, outsider, hospital, plant):
    client.force_login(outsider)
    assert client.get(reverse("keyaccounts:notices")).status_code == 403
    client.force_login(agent)  # manages the hospital
    page = client.get(reverse("keyaccounts:notice_new")).content.decode()
    assert "St. Mary&#x27;s Hospital" in page and "Northside" not in page
