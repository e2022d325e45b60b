"""SLA policies, acknowledgement texts and notifications in the app; the coverage header."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from oss_inbox.sla.models import AcknowledgementSetting, SlaPolicy
from oss_inbox.sla.services import sla_recompute_ask
from oss_inbox.staff.models import Notification
from oss_inbox.tickets.services.escalation import sla_scan

from .conftest import arriving, hours, local
from .test_recompute_on_change import STANDARD_FORM

pytestmark = pytest.mark.django_db


def page(response):
    return response.content.decode()


def test_policy_list_says_what_each_policy_promises(client, admin_user):
    client.force_login(admin_user)
    html = page(client.get(reverse("sla:policies")))
    assert html.index("Key account") < html.index("Standard")  # tried first
    assert "Key accounts" in html and "Every ticket" in html
    assert (
        '4h <small class="help">coverage hours' in html and '24h <small class="help">calendar hours' in html
    )


def test_admin_adds_a_priority_policy_in_hours(client, admin_user):
    client.force_login(admin_user)
    form = {
        **STANDARD_FORM,
        "name": "Urgent",
        "min_priority": "3",
        "first_response_hours": "0.5",
        "first_response_clock": "coverage",
    }
    assert client.post(reverse("sla:policy_new"), form).status_code == 302
    urgent = SlaPolicy.objects.get(name="Urgent")
    assert urgent.first_response_target == hours(0.5) and urgent.first_response_clock == "coverage"
    assert urgent.resolution_target is None


def test_policy_form_refuses_a_zero_target_and_a_full_at_risk_share(client, admin_user):
    client.force_login(admin_user)
    form = {**STANDARD_FORM, "name": "Odd", "first_response_hours": "0", "at_risk_percent": "100"}
    html = page(client.post(reverse("sla:policy_new"), form))
    assert "A first response target of 0 hours is always breached; leave it empty for none." in html
    assert "Choose a share from 0 to 99 percent." in html


def test_policy_form_speaks_plain_words_for_junk_and_keeps_the_saved_heading(client, admin_user):
    client.force_login(admin_user)
    junk = {
        **STANDARD_FORM,
        "name": "Brand new name",
        "position": "99999999999999999999",
        "first_response_hours": "12345678",
        "next_response_hours": "1.234",
        "resolution_hours": "abc",
    }
    html = page(client.post(reverse("sla:policy_new"), junk))
    assert "<h1>New SLA policy</h1>" in html  # not the unsaved name
    assert "Write a number up to 32767." in html
    assert "Write at most 99999.99 hours (over 11 years)." in html
    assert "Use at most two decimals: 0.25 for 15 minutes." in html
    assert "Write a number of hours, e.g. 4, or 0.25 for 15 minutes." in html
    assert "digits in total" not in html and "less than or equal to" not in html
    standard = SlaPolicy.objects.get(name="Standard")
    html = page(client.post(reverse("sla:policy", args=[standard.pk]), junk))
    assert "<h1>Standard</h1>" in html
    assert not SlaPolicy.objects.filter(name="Brand new name").exists()


def test_admin_deletes_a_policy(client, admin_user, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    key = SlaPolicy.objects.get(name="Key account")
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("sla:policy_delete", args=[key.pk]))
    assert not SlaPolicy.objects.filter(name="Key account").exists()
    assert callbacks.count(sla_recompute_ask) == 1


def test_acknowledgement_texts_are_edited_and_checked(client, admin_user):
    client.force_login(admin_user)
    data = {}
    for setting in AcknowledgementSetting.objects.all():
        data[f"{setting.kind}-text"] = setting.text
        if setting.enabled:
            data[f"{setting.kind}-enabled"] = "on"
    data["mention-enabled"] = "on"
    data["dm-text"] = "Back at {back_at}, {name}!"
    html = page(client.post(reverse("sla:acknowledgements"), data))
    assert "Only {back_at} is filled in; remove {name}." in html
    data["dm-text"] = "Back at {back_at}."
    assert client.post(reverse("sla:acknowledgements"), data).status_code == 302
    assert AcknowledgementSetting.objects.get(kind="mention").enabled
    assert AcknowledgementSetting.objects.get(kind="dm").text == "Back at {back_at}."


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_only_admins_edit_policies_and_acknowledgements(client, request, role):
    client.force_login(request.getfixturevalue(role))
    standard = SlaPolicy.objects.get(name="Standard")
    for url in (
        reverse("sla:policies"),
        reverse("sla:policy", args=[standard.pk]),
        reverse("sla:acknowledgements"),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("sla:policy_delete", args=[standard.pk])).status_code == 403
    assert reverse("sla:policies") not in page(client.get("/"))


def test_header_says_whether_each_schedule_in_use_is_covered(client, agent, twitter, mailbox):
    cache.clear()
    client.force_login(agent)
    html = page(client.get("/"))
    assert "Coverage now: " in html
    assert ("Social media covered until" in html) or ("Social media: next coverage" in html)


def test_notifications_are_listed_and_marked_read(client, agent, supervisor, mailbox):
    ticket = arriving(mailbox, local(2026, 11, 2, 10))
    sla_scan(now=ticket.created_at + hours(30))
    client.force_login(supervisor)
    html = page(client.get(reverse("staff:notifications")))
    assert f"Ticket #{ticket.pk} breached its first response target" in html and 'class="count">1<' in html
    client.post(reverse("staff:notifications_read"))
    assert not Notification.objects.filter(recipient=supervisor, read_at=None).exists()
