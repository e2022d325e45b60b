"""The key-account view of the dashboard: each figure computed by hand on a small world."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from oss_inbox.keyaccounts.dashboard import key_account_rows
from oss_inbox.keyaccounts.models import AccountMail, JointPlan, PlanItem, ProgressUpdate
from oss_inbox.keyaccounts.quarters import Quarter
from oss_inbox.tickets.models import Contact, Organization

from .mail_world import contact, key_account
from .test_updates import ticket

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 9 am in Chicago


def at(*args):
    return datetime(*args, tzinfo=UTC)


def with_contact_times(made, last_in, last_out=None):
    made.last_inbound_at, made.last_outbound_at = last_in, last_out
    made.save()
    return made


@pytest.fixture
def world(hospital, plant, mailbox):
    jo = Contact.objects.get(name="Jo Engineer")
    hour = timedelta(hours=1)
    with_contact_times(
        ticket(mailbox, jo, at(2026, 11, 20, 12), answered_after=hour),
        at(2026, 11, 20, 12),
        at(2026, 11, 20, 13),
    )
    with_contact_times(
        ticket(mailbox, jo, at(2026, 10, 1, 12), answered_after=9 * hour, resolved_at=at(2026, 10, 2)),
        at(2026, 10, 1, 12),
    )
    # Unanswered, due at 16:00.
    with_contact_times(ticket(mailbox, jo, at(2026, 11, 22, 12)), at(2026, 11, 22, 12))
    # Before the 90 days.
    ticket(mailbox, jo, at(2026, 7, 1, 12), answered_after=hour, resolved_at=at(2026, 7, 2))
    plan = JointPlan.objects.create(organization=hospital, year=2026)
    PlanItem.objects.create(plan=plan, text="Portal access", status="planned", due_date=date(2026, 11, 1))
    PlanItem.objects.create(plan=plan, text="Feeder survey", status="done", due_date=date(2026, 10, 1))
    PlanItem.objects.create(plan=plan, text="Generator test", status="at_risk", due_date=date(2026, 12, 1))
    ProgressUpdate.objects.create(
        organization=hospital,
        year=2026,
        quarter=3,
        subject="Q3",
        body=".",
        status="sent",
        sent_at=at(2026, 10, 5),
    )

    ray = Contact.objects.get(name="Ray Operator")
    for state, sent_at in (
        ("sent", at(2026, 11, 13, 15)),
        ("sent", at(2026, 11, 1)),
        ("failed", None),
        ("queued", None),
    ):
        AccountMail.objects.create(
            organization=plant, contact=ray, address="ray@northside.example", account=mailbox, subject="News",
            text=".", message_id=f"{state}-{sent_at}@utility.example", delivery_state=state, sent_at=sent_at,
        )  # fmt: skip
    Organization.objects.create(name="Corner Bakery")  # not a key account: not listed
    return hospital, plant


def test_each_key_account_row_is_computed_as_by_hand(world):
    plant_row, hospital_row = key_account_rows(now=NOW)  # by name

    assert hospital_row.organization.name == "St. Mary's Hospital"
    assert hospital_row.open_tickets == 2
    # 20 Nov answered in 1 h (on time); 1 Oct answered in 9 h (late); 22 Nov unanswered past 16:00 (late).
    assert (
        hospital_row.first_responses_on_time,
        hospital_row.first_responses_due,
        hospital_row.on_time_percent,
    ) == (1, 3, 33)
    assert hospital_row.days_since_contact == 1  # 22 Nov, 6 am in Chicago
    assert (hospital_row.next_update_quarter, hospital_row.next_update_due, hospital_row.update_overdue) == (
        Quarter(2026, 4),
        date(2027, 1, 15),
        False,
    )
    assert hospital_row.plan_items_overdue == 1

    assert plant_row.organization.name == "Northside Water Plant"
    assert (plant_row.open_tickets, plant_row.on_time_percent) == (0, None)
    # The last letter that went out; failed and queued ones do not count.
    assert plant_row.days_since_contact == 10
    assert (plant_row.next_update_quarter, plant_row.next_update_due, plant_row.update_overdue) == (
        Quarter(2026, 3),
        date(2026, 10, 15),
        True,
    )
    assert plant_row.plan_items_overdue == 0


def test_the_rows_cost_the_same_queries_for_two_accounts_or_twelve(
    world, mailbox, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        key_account_rows(now=NOW)
    for number in range(10):
        organization = key_account(f"Account {number}", f"account{number}.example")
        person = contact(organization, f"Person {number}", f"p{number}@account{number}.example")
        ticket(mailbox, person, at(2026, 11, 1, 12), answered_after=timedelta(hours=1))
    with django_assert_max_num_queries(5):
        assert len(key_account_rows(now=NOW)) == 12


def test_supervisors_see_the_key_account_view_and_agents_do_not(client, world, supervisor, agent):
    url = reverse("keyaccounts:dashboard")
    client.force_login(agent)
    assert client.get(url).status_code == 403

    client.force_login(supervisor)
    page = client.get(url).content.decode()
    assert (
        "St. Mary&#x27;s Hospital" in page and "Northside Water Plant" in page and "Corner Bakery" not in page
    )
    assert page.count('<td class="open-tickets">') == 2 and '<td class="open-tickets">2</td>' in page
    assert reverse("keyaccounts:dashboard") in client.get(reverse("dashboards:page")).content.decode()
