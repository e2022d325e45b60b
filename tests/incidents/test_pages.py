"""The incident pages: the list (proposals first, with the reports that triggered them), an incident's
page, and a supervisor's one-click actions (confirm, dismiss, merge, split, status/ETR/customers out),
each leaving the rows a supervisor expects and a timeline entry; an agent reads but cannot act; a
refused action says why; the pages' queries stay bounded however many tickets an incident holds."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from oss_inbox.incidents.assign import incident_ticket_link
from oss_inbox.incidents.models import Area, Incident, IncidentTicket, IncidentUpdate, OutageReport
from oss_inbox.tickets.models import Message
from oss_inbox.tickets.services import ingest

from .. import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def area(db):
    return Area.objects.create(name="Harlan North (Feeder H-11)", key="harlan north feeder h-11")


def tickets(account, count, *, text="Power's out on Elm St, when is it coming back?"):
    """`count` customers' outage reports, each its own ticket, with its OutageReport."""
    ids = []
    for n in range(count):
        who = factories.author(external_id=f"c{n}-{account.pk}-{len(text)}", handle=f"c{n}", name=f"Cust {n}")
        item = factories.inbound(text=text, who=who, minutes=n)
        ingest(account, [item])
        message = Message.objects.get(account=account, external_id=item.external_id)
        OutageReport.objects.create(
            message=message, ticket_id=message.ticket_id, matched="power's out",
            places=[{"kind": "street", "written": "Elm St", "why": "street Elm St"}], why="test",
            received_at=message.sent_at,
        )  # fmt: skip
        ids.append(message.ticket_id)
    return ids


def incident(area, ticket_ids, *, proposed=False, title="Outage in Harlan North", **fields):
    made = Incident.objects.create(
        title=title, area=area, proposed=proposed, created_at=timezone.now(), **fields
    )
    IncidentUpdate.objects.create(
        incident=made, text="Proposed by the outage detector.", status=made.status, created_at=made.created_at
    )
    for ticket_id in ticket_ids:
        incident_ticket_link(made, ticket_id, by=IncidentTicket.LinkedBy.DETECTOR)
    return made


def members(incident):
    return set(
        IncidentTicket.objects.filter(incident=incident, unlinked_at__isnull=True).values_list(
            "ticket_id", flat=True
        )
    )


def test_the_list_shows_proposals_first_with_their_reports_then_open_then_restored(
    client, supervisor, twitter, area
):
    proposal = incident(area, tickets(twitter, 2), proposed=True, title="Outage in Harlan North")
    other = Area.objects.create(name="Fairview", key="fairview")
    open_one = incident(other, tickets(twitter, 1, text="lights out"), title="Fairview feeder down",
                        status=Incident.Status.CREWS_WORKING, customers_out=340)  # fmt: skip
    incident(
        other, [], title="Last week's storm", status=Incident.Status.RESTORED, restored_at=timezone.now()
    )
    client.force_login(supervisor)

    page = client.get(reverse("incident_pages:list")).content.decode()

    assert page.index("Outage in Harlan North") < page.index("Fairview feeder down") < page.index("Last week")
    assert "“power&#x27;s out” · Elm St" in page  # the reports that triggered the proposal
    assert reverse("incident_pages:confirm", args=[proposal.pk]) in page
    assert "Crews working" in page and "340" in page
    assert reverse("incident_pages:incident", args=[open_one.pk]) in page


def test_an_agent_reads_the_pages_without_actions_and_may_not_act(client, agent, twitter, area):
    proposal = incident(area, tickets(twitter, 2), proposed=True)
    target = incident(Area.objects.create(name="Fairview", key="fairview"), [], title="Fairview")
    client.force_login(agent)

    assert (
        reverse("incident_pages:confirm", args=[proposal.pk])
        not in client.get(reverse("incident_pages:list")).content.decode()
    )
    page = client.get(reverse("incident_pages:incident", args=[proposal.pk]))
    assert page.status_code == 200 and b"Confirm" not in page.content
    assert client.post(reverse("incident_pages:confirm", args=[proposal.pk])).status_code == 403
    assert (
        client.post(reverse("incident_pages:merge", args=[proposal.pk]), {"into": target.pk}).status_code
        == 403
    )
    proposal.refresh_from_db()
    assert proposal.proposed and members(proposal)


def test_someone_outside_the_queue_cannot_read_them(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("incident_pages:list")).status_code == 403


def test_confirm_makes_the_proposal_an_open_incident_with_who_and_when(client, supervisor, twitter, area):
    proposal = incident(area, tickets(twitter, 2), proposed=True)
    client.force_login(supervisor)

    answer = client.post(reverse("incident_pages:confirm", args=[proposal.pk]))

    assert answer.status_code == 302
    proposal.refresh_from_db()
    assert not proposal.proposed and proposal.confirmed_by == supervisor and proposal.confirmed_at
    assert (
        proposal.updates.last().text == "Confirmed by Sam." and proposal.updates.last().author == supervisor
    )
    assert len(members(proposal)) == 2


def test_dismiss_keeps_the_proposal_as_a_record_and_its_tickets_are_in_no_incident(
    client, supervisor, twitter, area
):
    ticket_ids = tickets(twitter, 2)
    proposal = incident(area, ticket_ids, proposed=True)
    client.force_login(supervisor)

    answer = client.post(reverse("incident_pages:dismiss", args=[proposal.pk]), follow=True)

    assert "its 2 ticket(s) are in no incident" in answer.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Incident.Status.DISMISSED
    assert proposal.dismissed_by == supervisor and proposal.dismissed_at is not None
    assert proposal.updates.last().text == "Dismissed by Sam: 2 ticket(s) are in no incident again."
    assert not members(proposal)
    closed = IncidentTicket.objects.filter(ticket_id__in=ticket_ids)
    # Kept as history, closed by no person: the detector may put them in a later incident.
    assert closed.count() == 2 and not closed.filter(unlinked_at__isnull=True).exists()
    assert not closed.filter(unlinked_by__isnull=False).exists()
    assert OutageReport.objects.filter(ticket_id__in=ticket_ids).count() == 2  # the reports stay


def test_merge_moves_the_tickets_and_keeps_the_merged_incident_as_a_record(client, supervisor, twitter, area):
    moved_ids = tickets(twitter, 2)
    merged = incident(area, moved_ids, proposed=True, title="Outage in Harlan North")
    target = incident(area, tickets(twitter, 1, text="no power"), title="Harlan feeder H-11")
    client.force_login(supervisor)

    answer = client.post(reverse("incident_pages:merge", args=[merged.pk]), {"into": target.pk})

    assert answer.url == reverse("incident_pages:incident", args=[target.pk])
    merged.refresh_from_db()
    assert merged.status == Incident.Status.MERGED and merged.merged_into == target
    assert len(members(target)) == 3 and not members(merged)
    # The links to the merged incident stay as history; the new ones say who moved the tickets.
    assert IncidentTicket.objects.filter(incident=merged, unlinked_at__isnull=False).count() == 2
    assert set(
        IncidentTicket.objects.filter(ticket_id__in=moved_ids, unlinked_at__isnull=True).values_list(
            "incident_id", "linked_by", "linked_by_user"
        )
    ) == {(target.pk, "supervisor", supervisor.pk)}
    assert list(merged.updates.values_list("text", flat=True)) == [
        "Proposed by the outage detector.",
        "Merged into “Harlan feeder H-11” by Sam: 2 ticket(s) moved there.",
    ]
    texts = list(target.updates.values_list("text", flat=True))
    assert texts[-1] == "“Outage in Harlan North” merged into this incident by Sam: 2 ticket(s) moved."
    page = client.get(reverse("incident_pages:incident", args=[merged.pk])).content.decode()
    into = reverse("incident_pages:incident", args=[target.pk])
    assert f'Merged</strong> into <a href="{into}"' in page
    assert reverse("incident_pages:merge", args=[merged.pk]) not in page  # nothing left to act on


def test_merging_into_a_restored_incident_is_refused_saying_why(client, supervisor, twitter, area):
    source = incident(area, tickets(twitter, 2), title="Tonight")
    restored = incident(
        area, [], title="Last week", status=Incident.Status.RESTORED, restored_at=timezone.now()
    )
    client.force_login(supervisor)

    answer = client.post(reverse("incident_pages:merge", args=[source.pk]), {"into": restored.pk})

    assert answer.status_code == 422
    assert (
        "“Last week” is restored: merging into it would put customers who are still out"
        in answer.content.decode()
    )
    assert len(members(source)) == 2


def test_split_moves_the_chosen_tickets_to_a_new_incident(client, supervisor, twitter, area):
    ticket_ids = tickets(twitter, 3)
    whole = incident(area, ticket_ids, title="Harlan", status=Incident.Status.CREWS_WORKING)
    client.force_login(supervisor)

    answer = client.post(
        reverse("incident_pages:split", args=[whole.pk]),
        {"ticket": ticket_ids[:2], "title": "Harlan east side"},
    )

    new = Incident.objects.get(title="Harlan east side")
    assert answer.url == reverse("incident_pages:incident", args=[new.pk])
    assert members(new) == set(ticket_ids[:2]) and members(whole) == {ticket_ids[2]}
    assert new.status == Incident.Status.CREWS_WORKING and new.area == area and not new.proposed
    left = IncidentTicket.objects.get(incident=whole, ticket_id=ticket_ids[0])
    assert left.unlinked_by == supervisor  # the history stays, saying who moved it
    assert "2 ticket(s) split off into “Harlan east side” by Sam." in whole.updates.values_list(
        "text", flat=True
    )


def test_split_of_every_ticket_is_refused(client, supervisor, twitter, area):
    ticket_ids = tickets(twitter, 2)
    whole = incident(area, ticket_ids)
    client.force_login(supervisor)

    answer = client.post(
        reverse("incident_pages:split", args=[whole.pk]), {"ticket": ticket_ids, "title": "All"}
    )

    assert answer.status_code == 422 and "Choose fewer than all the tickets" in answer.content.decode()
    assert members(whole) == set(ticket_ids) and Incident.objects.count() == 1


def test_edit_records_each_change_on_the_timeline(client, supervisor, area):
    confirmed = incident(area, [])
    client.force_login(supervisor)
    etr = (timezone.localtime() + timedelta(hours=3)).replace(second=0, microsecond=0)

    client.post(
        reverse("incident_pages:edit", args=[confirmed.pk]),
        {"status": "crews_working", "etr": etr.strftime("%Y-%m-%dT%H:%M"), "customers_out": "1,200"},
    )
    client.post(
        reverse("incident_pages:edit", args=[confirmed.pk]),
        {"status": "restored", "etr": "", "customers_out": "0"},
    )

    confirmed.refresh_from_db()
    assert confirmed.status == "restored" and confirmed.restored_at and confirmed.customers_out == 0
    first, second = confirmed.updates.exclude(text__startswith="Proposed").exclude(broadcast=True)
    assert (
        first.text.startswith("Status: Crews working; ETR: ") and "Customers out: 1200 (by Sam)" in first.text
    )
    assert first.etr == etr and first.author == supervisor
    assert (
        second.text == "Status: Restored; ETR: none; Customers out: 0 (by Sam)."
        and second.status == "restored"
    )


def test_a_bad_customers_out_is_refused_in_words(client, supervisor, area):
    confirmed = incident(area, [])
    client.force_login(supervisor)
    answer = client.post(
        reverse("incident_pages:edit", args=[confirmed.pk]),
        {"status": "investigating", "customers_out": "lots"},
    )
    assert (
        answer.status_code == 422
        and "Customers out must be a whole number, not “lots”." in answer.content.decode()
    )


def test_an_agent_moves_a_ticket_out_of_its_incident_or_into_another(client, agent, twitter, area):
    ticket_id, *_ = ticket_ids = tickets(twitter, 2)
    first = incident(area, ticket_ids)
    second = incident(area, [], title="Another")
    client.force_login(agent)

    client.post(reverse("incident_pages:ticket_move", args=[ticket_id]), {"to": second.pk})
    assert members(second) == {ticket_id} and members(first) == {ticket_ids[1]}
    client.post(reverse("incident_pages:ticket_move", args=[ticket_id]), {"to": "out"})
    assert not members(second)
    assert IncidentTicket.objects.filter(ticket_id=ticket_id, unlinked_by=agent).count() == 2


def test_the_pages_queries_stay_bounded(client, supervisor, twitter, area, django_assert_max_num_queries):
    small = incident(area, tickets(twitter, 2), proposed=True)
    client.force_login(supervisor)
    client.get(reverse("incident_pages:list"))  # sessions, permissions cached

    with django_assert_max_num_queries(12) as few:
        client.get(reverse("incident_pages:list"))
    with django_assert_max_num_queries(14) as page_few:
        client.get(reverse("incident_pages:incident", args=[small.pk]))
    other = Area.objects.create(name="Fairview", key="fairview")
    incident(other, tickets(twitter, 8, text="no power at all"), proposed=True, title="Fairview")
    big = incident(area, tickets(twitter, 6, text="lights out"), title="Big")
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("incident_pages:list"))
    with django_assert_max_num_queries(len(page_few)):
        client.get(reverse("incident_pages:incident", args=[big.pk]))


def test_the_queue_links_to_the_incidents(client, agent):
    client.force_login(agent)
    assert reverse("incident_pages:list") in client.get(reverse("inbox:queue")).content.decode()


def test_the_ticket_page_says_its_incident_and_offers_to_move_it_in_one_query(
    client, agent, twitter, area, django_assert_num_queries
):
    from oss_inbox.incidents.templatetags.incident_tags import ticket_incident
    from oss_inbox.tickets.models import Ticket

    in_one, alone = tickets(twitter, 2)
    incident(area, [in_one], title="Harlan North out")
    incident(area, [], title="Harlan feeder H-12")
    client.force_login(agent)

    page = client.get(reverse("inbox:ticket", args=[in_one])).content.decode()
    assert "Incident: <a" in page and "Harlan North out" in page and "To “Harlan feeder H-12”" in page
    assert (
        'data-testid="ticket-incident"'
        not in client.get(reverse("inbox:ticket", args=[alone])).content.decode()
    )
    with django_assert_num_queries(1):
        ticket_incident(Ticket(pk=in_one))


def test_with_no_incident_open_the_ticket_page_asks_nothing_and_a_new_one_shows_at_once(
    client, agent, twitter, area, django_assert_num_queries
):
    from oss_inbox.incidents.templatetags.incident_tags import ticket_incident
    from oss_inbox.tickets.models import Ticket

    [ticket] = tickets(twitter, 1)
    ticket_incident(Ticket(pk=ticket))  # the open incidents, read once and kept
    with django_assert_num_queries(0):  # most days: no incident open, nothing asked
        assert ticket_incident(Ticket(pk=ticket))["incident"] is None
    incident(area, [ticket], title="Harlan North out")  # saved: the kept list moves on
    client.force_login(agent)
    page = client.get(reverse("inbox:ticket", args=[ticket])).content.decode()
    assert "Incident: <a" in page and "Harlan North out" in page


def test_a_confirmed_incident_is_not_merged_into_a_mere_proposal(client, supervisor, twitter, area):
    confirmed = incident(area, tickets(twitter, 1), title="Tonight")
    proposal = incident(area, [], proposed=True, title="Outage in Harlan North")
    client.force_login(supervisor)

    answer = client.post(reverse("incident_pages:merge", args=[confirmed.pk]), {"into": proposal.pk})

    assert answer.status_code == 422
    assert "“Outage in Harlan North” is only proposed: confirm it first" in answer.content.decode()
    assert Incident.objects.filter(pk=confirmed.pk).exists()
