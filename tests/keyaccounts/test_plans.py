"""Joint plans: starting one, adding and changing items inline, the timeline entries, the print view."""

from datetime import date
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from oss_inbox.keyaccounts import plans
from oss_inbox.keyaccounts.models import AccountEvent, JointPlan, PlanItem

from .pages_world import make_hospital

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true", "HX-Target": "plan-items"}


@pytest.fixture
def hospital(other_agent):
    return make_hospital(other_agent)  # managed by Lee


@pytest.fixture
def plan(hospital, other_agent):
    return plans.plan_create(
        organization=hospital, year=2026, actor=other_agent, summary="Keep the lights on."
    )


def plan_url(organization, year=2026):
    return reverse("keyaccounts:plan", args=[organization.pk, year])


def add_item(client, organization, kind="commitment", **fields):
    data = {
        "group": kind,
        f"add-{kind}-kind": kind,
        f"add-{kind}-text": "Second feeder to the east wing",
        f"add-{kind}-owner_side": "utility",
        f"add-{kind}-owner_name": "Grid planning",
        f"add-{kind}-due_date": "2026-09-30",
        f"add-{kind}-status": "planned",
        f"add-{kind}-notes": "",
    }
    data.update({f"add-{kind}-{name}": value for name, value in fields.items()})
    return client.post(reverse("keyaccounts:plan_item_add", args=[organization.pk, 2026]), data, headers=HTMX)


def test_the_manager_starts_a_plan_and_it_goes_on_the_timeline(client, other_agent, hospital):
    client.force_login(other_agent)
    assert "Start the 2026 plan" in client.get(plan_url(hospital)).content.decode()
    response = client.post(
        plan_url(hospital),
        {
            "summary": "Two feeds for the ICU.",
            "agreed_on": "2026-01-20",
            "participants": "Karen Mikkelsen (facilities)\nLee Okafor",
        },
    )
    assert response.status_code == 302
    plan = JointPlan.objects.get(organization=hospital, year=2026)
    assert plan.agreed_on == date(2026, 1, 20)
    assert AccountEvent.objects.get(organization=hospital).summary == "Started the 2026 joint plan"


def test_adding_an_item_with_htmx_answers_with_the_groups_and_records_it(client, other_agent, hospital, plan):
    client.force_login(other_agent)
    response = add_item(client, hospital, kind="need", text="Four hours' notice before any planned outage")
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div id="plan-items">')
    assert "Four hours&#x27; notice before any planned outage" in body
    item = PlanItem.objects.get(plan=plan)
    assert item.kind == "need" and item.owner_name == "Grid planning"
    event = AccountEvent.objects.filter(organization=hospital).first()
    assert event.kind == "plan" and event.actor == other_agent
    assert event.summary == (
        "2026 plan: added need “Four hours' notice before any planned outage” "
        "(utility: Grid planning, due Sep 30, 2026)"
    )


def test_an_item_without_text_is_refused_next_to_the_field(client, other_agent, hospital, plan):
    client.force_login(other_agent)
    body = add_item(client, hospital, text="   ").content.decode()
    assert (
        "Say what is needed, expected or committed." in body
        and '<details class="add-item no-print" open>' in body
    )
    assert not PlanItem.objects.exists()


def test_changing_an_item_inline_names_each_change_on_the_timeline(client, other_agent, hospital, plan):
    item = plans.plan_item_add(
        plan=plan,
        actor=other_agent,
        kind="commitment",
        text="Second feeder to the east wing",
        owner_side="utility",
        due_date=date(2026, 9, 30),
    )
    client.force_login(other_agent)
    url = reverse("keyaccounts:plan_item", args=[hospital.pk, 2026, item.pk])
    form = client.get(url, headers={"HX-Request": "true", "HX-Target": f"item-{item.pk}"}).content.decode()
    assert form.lstrip().startswith(f'<li class="plan-item editing" id="item-{item.pk}">')
    prefix = f"item-{item.pk}"
    response = client.post(
        url,
        {
            f"{prefix}-kind": "commitment",
            f"{prefix}-text": "Second feeder to the east wing",
            f"{prefix}-owner_side": "utility",
            f"{prefix}-owner_name": "",
            f"{prefix}-due_date": "2026-10-15",
            f"{prefix}-status": "in_progress",
            f"{prefix}-notes": "Cable ordered.",
        },
        headers=HTMX,
    )
    assert response.status_code == 200 and "In progress" in response.content.decode()
    summary = AccountEvent.objects.filter(organization=hospital).first().summary
    assert summary == (
        "2026 plan: “Second feeder to the east wing” — due date: Sep 30, 2026 → Oct 15, 2026; "
        "status: Not started → In progress; notes edited"
    )


def test_saving_an_unchanged_item_writes_nothing(other_agent, plan):
    item = plans.plan_item_add(plan=plan, actor=other_agent, text="Monthly call")
    events = AccountEvent.objects.count()
    assert plans.plan_item_change(item=item, actor=other_agent, text="Monthly call") == []
    assert AccountEvent.objects.count() == events


def test_overdue_open_items_are_marked_and_done_ones_are_not(client, agent, other_agent, hospital, plan):
    plans.plan_item_add(plan=plan, actor=other_agent, text="Load study", due_date=date(2020, 1, 1))
    plans.plan_item_add(
        plan=plan, actor=other_agent, text="Meter swap", due_date=date(2020, 1, 1), status="done"
    )
    client.force_login(agent)
    body = client.get(plan_url(hospital)).content.decode()
    assert body.count("Overdue</strong>") == 1
    assert "1 open item past its due date." in body


def test_agents_read_plans_they_do_not_manage_but_cannot_change_them(
    client, agent, other_agent, hospital, plan
):
    item = plans.plan_item_add(plan=plan, actor=other_agent, text="Monthly call")
    client.force_login(agent)
    body = client.get(plan_url(hospital)).content.decode()
    assert "Monthly call" in body and "Add a commitment" not in body and "Edit summary" not in body
    assert add_item(client, hospital).status_code == 403
    assert client.get(reverse("keyaccounts:plan_item", args=[hospital.pk, 2026, item.pk])).status_code == 403
    assert client.post(plan_url(hospital), {"summary": "Changed"}).status_code == 403


def test_an_admin_changes_any_plan(client, admin_user, hospital, plan):
    client.force_login(admin_user)
    assert add_item(client, hospital).status_code == 200
    assert PlanItem.objects.filter(plan=plan).count() == 1


def test_the_plan_prints_as_a_document(client, agent, hospital, plan):
    client.force_login(agent)
    body = client.get(plan_url(hospital)).content.decode()
    assert '<button type="button" class="primary" data-print>Print</button>' in body and "js/print.js" in body
    assert "css/keyaccounts.css" in body
    assert 'class="plan-signatures print-only"' in body
    css = Path(finders.find("css/keyaccounts.css")).read_text()
    print_rules = css.split("@media print", 1)[1]
    for hidden in (".topbar", ".no-print", ".add-item", ".edit-item"):
        assert hidden in print_rules.split("display: none")[0]
    assert "break-inside: avoid" in print_rules and ".print-only { display: flex; }" in print_rules


def test_a_year_out_of_range_has_no_plan_page(client, other_agent, hospital):
    client.force_login(other_agent)
    assert client.get(plan_url(hospital, 32768)).status_code == 404
    assert client.post(plan_url(hospital, 32768), {"summary": "Far future"}).status_code == 404
