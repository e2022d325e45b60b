"""The assignment page: admins switch each account's mode; supervisors read it; agents do not see it.
The ticket page says why automatic assignment chose its assignee."""

import pytest
from django.urls import reverse

from channels.models import Assignment
from oss_inbox.staff.models import StaffProfile
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ingest
from tests import factories
from tests.tickets.assignment_world import give_open_tickets, mention, on_shift

pytestmark = pytest.mark.django_db
PAGE = reverse("inbox:assignment")


def test_an_admin_switches_an_accounts_assignment_and_reads_a_plain_message(client, admin_user, twitter):
    client.force_login(admin_user)
    response = client.post(PAGE, {"account": twitter.pk, "assignment": "round_robin"}, follow=True)
    twitter.refresh_from_db()
    assert twitter.assignment == Assignment.ROUND_ROBIN
    assert f"{twitter.name}: new tickets now go to the available agent who waited longest." in (
        response.content.decode()
    )
    client.post(PAGE, {"account": twitter.pk, "assignment": ""})
    twitter.refresh_from_db()
    assert twitter.assignment == Assignment.OFF


def test_an_unknown_mode_is_refused_and_nothing_changes(client, admin_user, twitter):
    client.force_login(admin_user)
    response = client.post(PAGE, {"account": twitter.pk, "assignment": "to_whoever"})
    twitter.refresh_from_db()
    assert twitter.assignment == Assignment.OFF
    assert "Choose one of the assignment modes offered." in response.content.decode()
    for junk in ("", "abc", "999999"):  # no such account: the same words, not a server error
        response = client.post(PAGE, {"account": junk, "assignment": "round_robin"})
        assert "Choose one of the assignment modes offered." in response.content.decode()
    twitter.refresh_from_db()
    assert twitter.assignment == Assignment.OFF


def test_the_page_shows_each_account_and_who_is_on_shift_with_their_load(
    client, admin_user, agent, other_agent
):
    factories.account("twitter", name="@UtilityHelp", assignment=Assignment.CAPACITY)
    on_shift(agent, capacity=10)
    give_open_tickets(agent, 3)
    on_shift(other_agent, available=False)
    client.force_login(admin_user)
    page = client.get(PAGE).content.decode()
    assert "@UtilityHelp" in page
    assert '<option value="capacity" selected>' in page
    dana = page.split('data-testid="agent-dana"')[1].split("</tr>")[0]
    assert "On shift" in dana and "3 / 10" in dana and "never" in dana
    lee = page.split('data-testid="agent-lee"')[1].split("</tr>")[0]
    assert "Away" in lee


def test_a_supervisor_reads_the_page_but_may_not_switch(client, supervisor, twitter):
    client.force_login(supervisor)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Off: agents claim tickets" in page.content.decode() and "<select" not in page.content.decode()
    response = client.post(PAGE, {"account": twitter.pk, "assignment": "round_robin"})
    assert response.status_code == 403
    twitter.refresh_from_db()
    assert twitter.assignment == Assignment.OFF


def test_an_agent_does_not_see_the_page(client, agent):
    client.force_login(agent)
    assert client.get(PAGE).status_code == 403


def test_marking_oneself_available_gives_waiting_tickets_at_once(client, supervisor):
    account = factories.account("twitter", assignment=Assignment.ROUND_ROBIN)
    ingest(account, [mention(0), mention(1)])
    client.force_login(supervisor)
    client.get(PAGE)  # here now (the app records it)

    response = client.post(
        reverse("inbox:assignment_available"), {"available": "1", "next": PAGE}, follow=True
    )

    assert StaffProfile.objects.get(user=supervisor).available
    assert Ticket.objects.filter(assignee=supervisor).count() == 2
    assert "2 waiting tickets went out now, 2 to you." in response.content.decode()
    client.post(reverse("inbox:assignment_available"), {"available": "0"})
    assert not StaffProfile.objects.get(user=supervisor).available


def test_the_ticket_page_says_why_automatic_assignment_chose_the_assignee(client, agent):
    account = factories.account("twitter", assignment=Assignment.ROUND_ROBIN)
    on_shift(agent)
    ingest(account, [mention(0)])
    ticket = Ticket.objects.get(account=account)
    client.force_login(agent)
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "Assigned automatically: Round-robin: Dana waited longest (0 open of 15)" in page
    assert "assigned to Dana" in page and "claimed by" not in page  # Dana did not claim it
