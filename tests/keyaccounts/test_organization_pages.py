"""Organization list and page: who may see them, what the page shows, and that its queries stay bounded."""

from datetime import timedelta

import pytest
from django.urls import reverse

from oss_inbox.keyaccounts.models import AccountEvent
from oss_inbox.keyaccounts.selectors import sla_record
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services.lifecycle import ticket_reply, ticket_set_status

from .pages_world import email_ticket, make_hospital, x_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospital(agent, other_agent):
    return make_hospital(other_agent)


def page(client, user, organization, **params):
    client.force_login(user)
    return client.get(reverse("keyaccounts:organization", args=[organization.pk]), params)


def test_anyone_working_the_queue_sees_organizations_key_accounts_first(client, agent, hospital):
    from oss_inbox.tickets.models import Organization

    Organization.objects.create(name="Aardvark Dental")  # first by name, but not a key account
    client.force_login(agent)
    response = client.get(reverse("keyaccounts:organizations"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("St. Brigid Regional Hospital") < body.index("Aardvark Dental")
    assert "Lee" in body  # the account manager


def test_the_list_leads_managers_to_notices_and_supervisors_to_the_dashboard(
    client, agent, other_agent, supervisor, hospital
):
    client.force_login(agent)  # manages no key account
    body = client.get(reverse("keyaccounts:organizations")).content.decode()
    assert reverse("keyaccounts:notice_new") not in body and reverse("keyaccounts:dashboard") not in body
    client.force_login(other_agent)  # the hospital's manager
    body = client.get(reverse("keyaccounts:organizations")).content.decode()
    assert reverse("keyaccounts:notice_new") in body and reverse("keyaccounts:dashboard") not in body
    client.force_login(supervisor)
    body = client.get(reverse("keyaccounts:organizations")).content.decode()
    assert reverse("keyaccounts:notice_new") in body and reverse("keyaccounts:dashboard") in body


def test_outsiders_see_no_organization(client, outsider, hospital):
    client.force_login(outsider)
    assert client.get(reverse("keyaccounts:organizations")).status_code == 403
    assert page(client, outsider, hospital).status_code == 403


def test_page_shows_contacts_tickets_record_and_timeline(client, agent, hospital, mailbox, twitter):
    open_one = email_ticket(mailbox, "kmikkelsen@stbrigid.example", subject="Generator test on Saturday")
    resolved = email_ticket(mailbox, "luis@stbrigid.example", subject="Invoice for the east wing", minutes=5)
    ticket_reply(ticket=resolved, author=agent, text="Here it is.")
    ticket_set_status(ticket=Ticket.objects.get(pk=resolved.pk), status="resolved", actor=agent)
    x_ticket(twitter, hospital, "stbrigidfacilities", "4401", minutes=10)
    AccountEvent.objects.create(
        organization=hospital, kind="notice", summary="Planned outage on feeder 12 sent to 3 contacts"
    )

    response = page(client, agent, hospital)
    body = response.content.decode()
    assert response.status_code == 200
    assert "kmikkelsen@stbrigid.example" in body and "@stbrigidfacilities" in body  # contacts with identities
    assert reverse("inbox:ticket", args=[open_one.pk]) in body  # open ticket links to its page
    assert "Invoice for the east wing" in body  # past ticket
    assert "Power out on Elm St since 6am, any ETA?" in body  # a tweet has no subject: its text names it
    assert "SLA record" in body and "Median first response" in body
    assert "Planned outage on feeder 12" in body and "Ticket resolved" in body  # timeline
    assert "Edit" not in body.split("<main")[1].split("</header>")[0]  # dana does not manage it


def test_page_queries_stay_bounded_however_big_the_account(
    client, agent, hospital, mailbox, django_assert_max_num_queries
):
    for number in range(12):
        email_ticket(
            mailbox, f"person{number}@stbrigid.example", subject=f"Question {number}", minutes=number
        )
        AccountEvent.objects.create(organization=hospital, kind="plan", summary=f"Plan change {number}")
    client.force_login(agent)
    url = reverse("keyaccounts:organization", args=[hospital.pk])
    with django_assert_max_num_queries(24):
        response = client.get(url)
    assert response.content.decode().count("person") >= 12


def test_timeline_is_newest_first_and_paged(client, agent, hospital):
    for number in range(30):
        AccountEvent.objects.create(organization=hospital, kind="plan", summary=f"Change number {number:02d}")
    first = page(client, agent, hospital).content.decode()
    assert first.index("Change number 29") < first.index("Change number 28")
    assert "Change number 04" not in first and "Older" in first
    client.force_login(agent)
    second = client.get(
        reverse("keyaccounts:organization", args=[hospital.pk]),
        {"page": 2},
        headers={"HX-Request": "true", "HX-Target": "timeline"},
    ).content.decode()
    assert "Change number 04" in second and "<header" not in second


def test_sla_record_counts_on_time_late_and_the_median(hospital, mailbox):
    on_time = email_ticket(mailbox, "a@stbrigid.example")
    late = email_ticket(mailbox, "b@stbrigid.example", minutes=1)
    missed = email_ticket(mailbox, "c@stbrigid.example", minutes=2)
    Ticket.objects.filter(pk=on_time.pk).update(
        first_response_at=on_time.created_at + timedelta(hours=1),
        first_response_due_at=on_time.created_at + timedelta(hours=4),
    )
    Ticket.objects.filter(pk=late.pk).update(
        first_response_at=late.created_at + timedelta(hours=5),
        first_response_due_at=late.created_at + timedelta(hours=4),
    )
    Ticket.objects.filter(pk=missed.pk).update(first_response_due_at=missed.created_at + timedelta(hours=4))
    last_90_days, _ = sla_record(hospital, now=missed.created_at + timedelta(days=1))
    assert (last_90_days.tickets, last_90_days.on_time, last_90_days.late) == (3, 1, 2)
    assert last_90_days.on_time_percent == 33
    assert last_90_days.median_first_response == timedelta(hours=3)


def test_timeline_entries_link_to_what_they_are_about(client, agent, other_agent, hospital, mailbox):
    from oss_inbox.keyaccounts.plans import plan_create, plan_item_add

    plan = plan_create(organization=hospital, year=2026, actor=other_agent)
    plan_item_add(plan=plan, actor=other_agent, text="Second feeder to the MRI suite", kind="commitment")
    client.force_login(agent)
    url = reverse("keyaccounts:organization", args=[hospital.pk])
    timeline = client.get(url, headers={"HX-Request": "true", "HX-Target": "timeline"}).content.decode()
    assert "Second feeder to the MRI suite" in timeline
    assert timeline.count(f'href="{reverse("keyaccounts:plan", args=[hospital.pk, 2026])}"') == 2
