"""The post-event report on a small incident whose every figure is worked out by hand: reports per hour
across an hour boundary, first response and first update medians, updates sent/failed/skipped, customers
reached, the backlog, restoration and ETR changes; the same figures in the CSV; the page and its
printable version for a supervisor, refused to an agent; a storm period's report holds only its own
incidents; the queries do not grow with the tickets."""

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from oss_inbox.incidents.assign import incident_ticket_link, incident_ticket_unlink
from oss_inbox.incidents.models import (
    Area,
    Incident,
    IncidentDelivery,
    IncidentTicket,
    IncidentUpdate,
    OutageReport,
)
from oss_inbox.incidents.report_rows import build_report, incident_scope, storm_scope
from oss_inbox.incidents.services import incident_merge
from oss_inbox.sla.models import StormPeriod
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import ingest, ticket_reply, ticket_set_status

from .. import factories

pytestmark = pytest.mark.django_db
Status = Incident.Status


def at(hour, minute=0):
    """Nov 2, 2026 in UTC (Chicago is UTC-6 that day: 15:00 UTC is 9:00 AM CST)."""
    return datetime(2026, 11, 2, hour, minute, tzinfo=UTC)


def report_in(account, customer, when, *, kind="mention"):
    """A customer's outage report: its ticket, its message read as an OutageReport."""
    if kind == "email":
        item = factories.email(sender=f"{customer}@example.com", name=customer.title(), subject="Power out")
    else:
        who = factories.author(external_id=f"id-{customer}", handle=customer, name=customer.title())
        item = factories.inbound(who=who, text="Power's out on Elm St")
    item = replace(item, sent_at=when)
    ingest(account, [item])
    message = Message.objects.get(account=account, external_id=item.external_id)
    OutageReport.objects.create(
        message=message, ticket_id=message.ticket_id, matched="power's out", why="test", received_at=when
    )
    return Ticket.objects.get(pk=message.ticket_id)


def broadcast(incident, when, sends, *, author, etr=None, slots=None):
    """A broadcast update and its deliveries: sends {ticket: reply state ("sent", "failed", "queued"),
    "pending", or ("skipped", reason)}."""
    update = IncidentUpdate.objects.create(
        incident=incident, text="Crews are on site.", broadcast=True, status=Status.CREWS_WORKING, etr=etr,
        author=author, created_at=when,
    )  # fmt: skip
    for ticket, outcome in sends.items():
        delivery = IncidentDelivery(
            update=update,
            ticket=ticket,
            channel="mention",
            created_at=when,
            send_at=(slots or {}).get(ticket),
        )
        if isinstance(outcome, tuple):
            delivery.state, delivery.reason = IncidentDelivery.State.SKIPPED, outcome[1]
        elif outcome != "pending":
            reply = ticket_reply(ticket=ticket, author=author, text="Crews are on site.", sent_at=when)
            Message.objects.filter(pk=reply.pk).update(delivery_state=outcome)
            delivery.state, delivery.message = IncidentDelivery.State.QUEUED, reply
        delivery.save()
    return update


@pytest.fixture
def world(supervisor, agent):
    """Incident "Elm St" (created 15:55, restored 17:30 UTC) with three customers:
    - Ann, X mention 15:50 (9:50 AM), answered by a person 16:10; update 1 sent 16:30.
    - Bob, X mention 16:10 (10:10 AM), answered 16:40; update 1 failed, update 2 queued 17:00 for its
      paced slot at 17:05, sent.
    - Cy, email 16:20 (10:20 AM), only an automatic acknowledgement; update 1 skipped, update 2 pending.
    - Dee reported 16:00 but an agent moved her out at 16:05: not counted.
    Ann and Bob resolved at 17:30; Ann wrote back at 17:50 (reopened); Cy still open."""
    twitter, mail = factories.account("twitter"), factories.account("email")
    area = Area.objects.create(name="Harlan North", key="harlan north")
    incident = Incident.objects.create(
        title="Elm St", area=area, created_at=at(15, 55), status=Status.CREWS_WORKING
    )
    IncidentUpdate.objects.create(
        incident=incident, text="Confirmed.", status=Status.INVESTIGATING, created_at=at(15, 55)
    )
    ann = report_in(twitter, "ann", at(15, 50))
    bob = report_in(twitter, "bob", at(16, 10))
    cy = report_in(mail, "cy", at(16, 20), kind="email")
    dee = report_in(twitter, "dee", at(16, 0))
    for ticket, linked in ((ann, at(15, 55)), (bob, at(16, 10)), (cy, at(16, 20)), (dee, at(16, 0))):
        incident_ticket_link(incident, ticket.pk, by=IncidentTicket.LinkedBy.DETECTOR, now=linked)
    incident_ticket_unlink(dee.pk, user=agent, now=at(16, 5))
    ticket_reply(ticket=ann, author=supervisor, text="Crews are on their way.", sent_at=at(16, 10))
    ticket_reply(ticket=bob, author=supervisor, text="Crews are on their way.", sent_at=at(16, 40))
    ticket_reply(ticket=cy, author=None, text="We got your message.", sent_at=at(16, 21), automatic=True)
    IncidentUpdate.objects.create(
        incident=incident, text="ETR set.", status=Status.CREWS_WORKING, etr=at(19), created_at=at(16, 15)
    )
    skipped = ("skipped", "Mailbox disconnected")
    first = broadcast(
        incident, at(16, 30), {ann: "sent", bob: "failed", cy: skipped}, author=supervisor, etr=at(19)
    )
    sends = {ann: "sent", bob: "sent", cy: "pending"}
    second = broadcast(incident, at(17), sends, author=supervisor, etr=at(18), slots={bob: at(17, 5)})
    with time_machine.travel(at(17, 30), tick=False):
        for ticket in (ann, bob):
            ticket_set_status(ticket=Ticket.objects.get(pk=ticket.pk), status="resolved", actor=supervisor)
    with time_machine.travel(at(17, 50), tick=False):  # Ann is still out: her reply reopens her ticket
        who = factories.author(external_id="id-ann", handle="ann", name="Ann")
        still_out = factories.inbound(who=who, text="Still no power here", thread_key=ann.thread_key)
        ingest(twitter, [replace(still_out, sent_at=at(17, 50))])
    Incident.objects.filter(pk=incident.pk).update(
        status=Status.RESTORED, restored_at=at(17, 30), customers_out=0
    )
    IncidentUpdate.objects.create(
        incident=incident, text="Restored.", status=Status.RESTORED, etr=at(18), created_at=at(17, 30)
    )
    incident.refresh_from_db()
    return {"incident": incident, "updates": (first, second), "area": area, "twitter": twitter}


def test_each_figure_of_a_hand_made_incident(world):
    report = build_report(incident_scope(world["incident"]), now=at(18))

    assert report.tickets == 3  # Dee, moved out by an agent, is not counted
    assert [(row.start.isoformat(), row.by_kind) for row in report.hours] == [
        ("2026-11-02T09:00:00-06:00", {"email": 0, "mention": 1}),
        ("2026-11-02T10:00:00-06:00", {"email": 1, "mention": 1}),
    ]
    # Ann 20 min, Bob 30 min; Cy's automatic acknowledgement is no answer; the broadcasts are no reply
    assert (report.first_response.count, report.first_response.missing) == (2, 1)
    assert (report.first_response.median, report.first_response.p90) == (1500.0, 1740.0)
    # Ann joined 15:55, update 16:30 (35 min); Bob joined 16:10, the first sent to him left in its
    # slot at 17:05 (55 min)
    assert (report.first_update.count, report.first_update.missing) == (2, 1)
    assert (report.first_update.median, report.first_update.p90) == (2700.0, 3180.0)
    counts = [(c.planned, c.sent, c.failed, c.skipped, c.waiting) for _, c in report.updates]
    assert counts == [(3, 1, 1, 1, 0), (3, 2, 0, 0, 1)]
    assert report.updates[0][1].skip_reasons == {"Mailbox disconnected": 1}
    assert (report.tickets_reached, report.contacts_reached) == (2, 2)
    assert report.backlog_step == timedelta(minutes=15)
    assert [(moment.strftime("%H:%M"), count) for moment, count in report.backlog] == [
        ("15:45", 0),
        ("16:00", 1),
        ("16:15", 2),
        ("16:30", 3),
        ("16:45", 3),
        ("17:00", 3),
        ("17:15", 3),
        ("17:30", 1),
        ("17:45", 1),
        ("17:50", 2),
    ]  # fmt: skip  (the curve ends on its last move, a customer writing back at 17:50)
    assert report.incidents[0]["restoration_seconds"] == 95 * 60
    assert [(moment, etr) for _, moment, etr, _, _ in report.etr_changes] == [
        (at(16, 15), at(19)),
        (at(17), at(18)),
    ]


def test_the_csv_has_the_same_figures_in_tidy_rows(client, supervisor, world):
    client.force_login(supervisor)
    incident = world["incident"]

    response = client.get(reverse("incident_pages:incident_report_csv", args=[incident.pk]))

    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="incident-{incident.pk}-report.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {len(row) for row in rows} == {10}

    def pick(section, measure, **where):
        return [row for row in rows if row["section"] == section and row["measure"] == measure
                and all(row[key] == value for key, value in where.items())]  # fmt: skip

    hours = pick("reports_per_hour", "outage_reports")
    nine, ten, eleven = "2026-11-02T09:00:00-06:00", "2026-11-02T10:00:00-06:00", "2026-11-02T11:00:00-06:00"
    assert [(row["start"], row["end"], row["channel"], row["value"]) for row in hours] == [
        (nine, ten, "Email", "0"),
        (nine, ten, "X mention", "1"),
        (ten, eleven, "Email", "1"),
        (ten, eleven, "X mention", "1"),
    ]
    assert {row["unit"] for row in hours} == {"customer messages"}
    assert pick("first_response", "median")[0]["value"] == "1500"
    assert pick("first_response", "p90")[0]["unit"] == "seconds"
    assert pick("first_update", "median")[0]["value"] == "2700"
    assert pick("first_update", "missing")[0]["value"] == "1"
    sent = pick("updates", "sent")
    assert [(row["start"], row["value"]) for row in sent] == [
        ("2026-11-02T10:30:00-06:00", "1"),
        ("2026-11-02T11:00:00-06:00", "2"),
    ]
    assert pick("updates", "skipped")[0]["note"] == "Mailbox disconnected: 1"
    assert pick("updates", "failed")[0]["value"] == "1"
    assert pick("reach", "customers_reached")[0]["value"] == "2"
    backlog = pick("backlog", "open_tickets")
    assert [row["value"] for row in backlog][:4] == ["0", "1", "2", "3"]
    assert backlog[0]["start"] == "2026-11-02T09:45:00-06:00"
    restoration = pick("restoration", "restoration_time")[0]
    assert (restoration["value"], restoration["unit"], restoration["incident"]) == (
        "5700",
        "seconds",
        "Elm St",
    )
    assert [row["value"] for row in pick("etr_history", "etr")] == [
        "2026-11-02T13:00:00-06:00",
        "2026-11-02T12:00:00-06:00",
    ]


def test_the_page_and_print_render_for_a_supervisor(client, supervisor, world):
    client.force_login(supervisor)
    incident = world["incident"]

    page = client.get(reverse("incident_pages:incident_report", args=[incident.pk]))
    printed = client.get(reverse("incident_pages:incident_report_print", args=[incident.pk]))

    assert page.status_code == 200 and printed.status_code == 200
    html = page.content.decode()
    assert "25 min" in html and "45 min" in html  # median first response, first update
    assert 'id="chart-report-hours"' in html and 'id="chart-report-backlog"' in html
    assert 'data-testid="hours"' in html  # the chart's table
    assert reverse("incident_pages:incident_report_csv", args=[incident.pk]) in html
    sheet = printed.content.decode()
    assert 'class="topbar"' not in sheet  # no navigation on paper
    assert "Post-event report" in sheet and "Incident: Elm St" in sheet
    assert "Nov 2, 2026 9:55 AM CST" in sheet and "Generated" in sheet
    assert "css/incident-report.css" in sheet and 'id="chart-report-backlog"' in sheet


def test_an_agent_is_refused_every_form_of_the_report(client, agent, world):
    client.force_login(agent)
    incident = world["incident"]
    storm = StormPeriod.objects.create(started_at=at(15), ended_at=at(18), reason="Ice storm", active=False)

    for name, pk in [
        ("incident_report", incident.pk),
        ("incident_report_print", incident.pk),
        ("incident_report_csv", incident.pk),
        ("storm_report", storm.pk),
        ("storm_report_csv", storm.pk),
    ]:
        assert client.get(reverse(f"incident_pages:{name}", args=[pk])).status_code == 403
    assert client.get(reverse("incident_pages:reports")).status_code == 403


def test_a_storm_period_report_holds_only_the_incidents_created_within_it(client, supervisor, world):
    area, twitter = world["area"], world["twitter"]
    before = Incident.objects.create(
        title="Yesterday's", area=area, created_at=at(14), status=Status.RESTORED
    )
    incident_ticket_link(before, report_in(twitter, "eve", at(14)).pk, by=IncidentTicket.LinkedBy.DETECTOR)
    Incident.objects.create(title="Dismissed one", area=area, created_at=at(16), status=Status.DISMISSED)
    storm = StormPeriod.objects.create(started_at=at(15), ended_at=at(18), reason="Ice storm", active=False)

    report = build_report(storm_scope(storm, at(19)), now=at(19))

    assert [incident.title for incident in report.scope.incidents] == ["Elm St"]
    assert report.tickets == 3
    assert (report.restoration.count, report.restoration.median, report.customers_out) == (1, 5700.0, 0)
    client.force_login(supervisor)
    page = client.get(reverse("incident_pages:storm_report", args=[storm.pk])).content.decode()
    assert "Elm St" in page and "Yesterday" not in page and "Dismissed one" not in page
    assert "1 h 35 min" in page  # the median restoration
    sheet = client.get(reverse("incident_pages:storm_report_csv", args=[storm.pk])).content.decode()
    rows = {
        row["measure"]: row for row in csv.DictReader(io.StringIO(sheet)) if row["section"] == "restoration"
    }
    assert rows["median_restoration_time"]["value"] == "5700" and rows["incidents_restored"]["value"] == "1"
    listing = client.get(reverse("incident_pages:reports")).content.decode()
    assert reverse("incident_pages:storm_report", args=[storm.pk]) in listing


def test_the_report_costs_a_handful_of_queries_whatever_the_tickets(
    world, supervisor, django_assert_max_num_queries
):
    incident = world["incident"]
    for n in range(12):
        ticket = report_in(world["twitter"], f"more{n}", at(16, 30 + n))
        incident_ticket_link(incident, ticket.pk, by=IncidentTicket.LinkedBy.DETECTOR, now=at(16, 30 + n))

    with django_assert_max_num_queries(10):
        report = build_report(incident_scope(incident), now=at(18))

    assert report.tickets == 15


def test_the_incident_page_and_the_list_link_to_the_reports_for_a_supervisor_only(
    client, supervisor, agent, world
):
    incident = world["incident"]
    report_link = reverse("incident_pages:incident_report", args=[incident.pk])
    index_link = reverse("incident_pages:reports")

    client.force_login(supervisor)
    assert report_link in client.get(reverse("incident_pages:incident", args=[incident.pk])).content.decode()
    assert index_link in client.get(reverse("incident_pages:list")).content.decode()
    client.force_login(agent)
    assert (
        report_link not in client.get(reverse("incident_pages:incident", args=[incident.pk])).content.decode()
    )
    assert index_link not in client.get(reverse("incident_pages:list")).content.decode()


def test_an_incident_and_a_storm_with_nothing_yet_still_report_in_words(client, supervisor):
    area = Area.objects.create(name="Fairview", key="fairview")
    empty = Incident.objects.create(title="Just proposed", area=area, created_at=at(15), proposed=True)
    storm = StormPeriod.objects.create(started_at=at(9), ended_at=at(10), reason="Quiet", active=False)
    client.force_login(supervisor)

    for name, pk in [
        ("incident_report", empty.pk),
        ("storm_report", storm.pk),
        ("storm_report_print", storm.pk),
    ]:
        page = client.get(reverse(f"incident_pages:{name}", args=[pk]))
        assert page.status_code == 200
        assert "No update was broadcast." in page.content.decode()
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("incident_pages:storm_report_csv", args=[storm.pk])).content.decode()
            )
        )
    )
    assert rows[0][0] == "section" and ["report", "", "", "", "", "", "tickets", "0", "tickets", ""] in rows


def test_an_incident_merged_into_another_brings_its_history_to_the_survivors_report(
    client, supervisor, world
):
    """Fay joined "Oak Ave" at 16:00 and was sent its update at 16:20; Oak Ave was merged into Elm St at
    16:45. Elm St's report counts her from 16:00, with the update she was sent before the merge."""
    oak = Incident.objects.create(
        title="Oak Ave", area=world["area"], created_at=at(15, 58), status=Status.CREWS_WORKING
    )
    fay = report_in(world["twitter"], "fay", at(15, 59))
    incident_ticket_link(oak, fay.pk, by=IncidentTicket.LinkedBy.DETECTOR, now=at(16))
    broadcast(oak, at(16, 20), {fay: "sent"}, author=supervisor)
    Incident.objects.filter(pk=world["incident"].pk).update(status=Status.CREWS_WORKING, restored_at=None)
    incident_merge(oak, world["incident"], user=supervisor, now=at(16, 45))

    report = build_report(incident_scope(Incident.objects.get(pk=world["incident"].pk)), now=at(18))

    assert report.tickets == 4
    assert report.first_update.count == 3  # Ann 35 min, Fay 20 min, Bob 55 min
    assert report.first_update.median == 2100.0
    assert [update.incident.title for update, _ in report.updates] == ["Oak Ave", "Elm St", "Elm St"]
    assert dict(report.backlog)[at(16, 45)] == 4  # Fay counted before and after the merge, once


def test_words_typed_into_the_csv_never_run_as_a_spreadsheet_formula(client, supervisor, world):
    Incident.objects.filter(pk=world["incident"].pk).update(title='=HYPERLINK("http://x.example","Elm")')
    IncidentUpdate.objects.filter(broadcast=True).update(text="@SUM(1+1) crews are out")
    client.force_login(supervisor)

    sheet = client.get(
        reverse("incident_pages:incident_report_csv", args=[world["incident"].pk])
    ).content.decode()

    rows = list(csv.DictReader(io.StringIO(sheet)))
    titles = {row["incident"] for row in rows if row["incident"]}
    assert titles == {'\'=HYPERLINK("http://x.example","Elm")'}
    assert {row["note"] for row in rows if row["measure"] == "planned"} == {"'@SUM(1+1) crews are out"}
