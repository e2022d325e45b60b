"""Claim, assign, status and priority from the ticket page, through the ticket services."""

import pytest
from django.urls import reverse

from oss_inbox.tickets.models import TicketEvent
from oss_inbox.tickets.services import ticket_claim

pytestmark = pytest.mark.django_db


def _post(client, name, ticket, **data):
    return client.post(reverse(f"inbox:{name}", args=[ticket.pk]), data)


def test_claim_is_one_click(client, agent, x_ticket):
    client.force_login(agent)
    assert _post(client, "claim", x_ticket).status_code == 302
    x_ticket.refresh_from_db()
    assert x_ticket.assignee == agent and x_ticket.status == "open"
    assert x_ticket.events.filter(kind=TicketEvent.Kind.CLAIMED, actor=agent).exists()


def test_claim_conflict_says_who_and_overwrites_nothing(client, agent, other_agent, x_ticket):
    client.force_login(agent)
    ticket_claim(ticket=x_ticket, user=other_agent)
    response = _post(client, "claim", x_ticket)
    assert response.status_code == 409
    assert "Lee claimed this a moment ago" in response.content.decode()
    x_ticket.refresh_from_db()
    assert x_ticket.assignee == other_agent


def test_assign_to_a_colleague_and_back_to_nobody(client, agent, other_agent, x_ticket):
    client.force_login(agent)
    html = client.get(reverse("inbox:ticket", args=[x_ticket.pk])).content.decode()
    assert f'<option value="{other_agent.pk}">Lee</option>' in html
    _post(client, "assign", x_ticket, assignee=other_agent.pk)
    x_ticket.refresh_from_db()
    assert x_ticket.assignee == other_agent
    _post(client, "assign", x_ticket, assignee="")
    x_ticket.refresh_from_db()
    assert x_ticket.assignee is None


def test_cannot_assign_to_someone_outside_the_queue(client, agent, outsider, x_ticket):
    client.force_login(agent)
    refused = _post(client, "assign", x_ticket, assignee=outsider.pk)
    assert refused.status_code == 422
    assert "That person does not work the queue. Nothing was changed." in refused.content.decode()
    x_ticket.refresh_from_db()
    assert x_ticket.assignee is None


def test_status_and_priority(client, agent, x_ticket):
    client.force_login(agent)
    _post(client, "status", x_ticket, status="pending")
    _post(client, "priority", x_ticket, priority="3")
    x_ticket.refresh_from_db()
    assert (x_ticket.status, x_ticket.priority) == ("pending", 3)
    assert x_ticket.events.filter(kind=TicketEvent.Kind.PRIORITY, data={"from": 1, "to": 3}).exists()
    refused = _post(client, "status", x_ticket, status="bogus")
    assert refused.status_code == 422 and "Choose one of the statuses offered." in refused.content.decode()
    assert _post(client, "priority", x_ticket, priority="9").status_code == 422


@pytest.mark.parametrize(
    "name, data",
    [
        ("claim", {}),
        ("assign", {"assignee": ""}),
        ("status", {"status": "resolved"}),
        ("priority", {"priority": "3"}),
        ("compose", {"text": "hi", "action": "note"}),
    ],
)
def test_outsider_gets_403(client, outsider, x_ticket, name, data):
    client.force_login(outsider)
    assert _post(client, name, x_ticket, **data).status_code == 403
    assert client.get(reverse("inbox:ticket", args=[x_ticket.pk])).status_code == 403


def test_supervisor_may_act_too(client, supervisor, x_ticket):
    client.force_login(supervisor)
    assert _post(client, "claim", x_ticket).status_code == 302


def test_ticket_page_queries_do_not_grow_with_the_conversation(
    client, agent, x_ticket, django_assert_max_num_queries
):
    from oss_inbox.tickets.services import ticket_add_note, ticket_reply

    client.force_login(agent)
    for n in range(5):
        ticket_reply(ticket=x_ticket, author=agent, text=f"reply {n}")
        ticket_add_note(ticket=x_ticket, author=agent, text=f"note {n}")
    # A first visit also fills the caches (colleagues, SLA policies, canned responses, tag names,
    # the coverage header's 3) and adds the presence row (the heartbeat's UPDATE finds none:
    # INSERT and a sweep).
    with django_assert_max_num_queries(22):
        assert client.get(reverse("inbox:ticket", args=[x_ticket.pk])).status_code == 200
    # A later visit: the lists are cached, the heartbeat is one UPDATE.
    with django_assert_max_num_queries(13):
        assert client.get(reverse("inbox:ticket", args=[x_ticket.pk])).status_code == 200


def test_state_partial_shows_a_colleagues_claim(client, agent, other_agent, x_ticket):
    client.force_login(agent)
    ticket_claim(ticket=x_ticket, user=other_agent)
    response = client.get(reverse("inbox:state", args=[x_ticket.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "claimed by Lee" in html and 'hx-trigger="every 5s"' in html
    assert "<html" not in html


def test_a_ticket_a_colleague_assigned_says_assigned_to_not_claimed_by(
    client, agent, other_agent, supervisor, x_ticket
):
    from oss_inbox.tickets.services import ticket_assign

    client.force_login(agent)
    ticket_assign(ticket=x_ticket, assignee=other_agent, actor=supervisor)
    state = client.get(reverse("inbox:state", args=[x_ticket.pk]), HTTP_HX_REQUEST="true").content.decode()
    page = client.get(reverse("inbox:ticket", args=[x_ticket.pk])).content.decode()
    for html in (state, page):
        assert "assigned to Lee" in html and "claimed by" not in html

    ticket_assign(ticket=x_ticket, assignee=agent, actor=agent)  # taking it yourself is claiming it
    state = client.get(reverse("inbox:state", args=[x_ticket.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "claimed by Dana" in state


def test_the_state_poll_reads_how_the_ticket_was_assigned_in_one_query(
    client, agent, other_agent, x_ticket, django_assert_max_num_queries
):
    client.force_login(agent)
    url = reverse("inbox:state", args=[x_ticket.pk])
    client.get(url, HTTP_HX_REQUEST="true")  # the presence row exists from now on
    with django_assert_max_num_queries(20) as unassigned:
        client.get(url, HTTP_HX_REQUEST="true")
    ticket_claim(ticket=x_ticket, user=other_agent)
    with django_assert_max_num_queries(20) as claimed:
        assert "claimed by Lee" in client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert len(claimed) <= len(unassigned) + 1


def test_a_new_ticket_shows_new_in_the_status_menu_not_open(client, agent, x_ticket):
    client.force_login(agent)
    page = client.get(f"/tickets/{x_ticket.pk}/").content.decode()
    assert '<option value="" selected disabled>New</option>' in page
    assert '<option value="open" selected>' not in page


PANE = {"HX-Request": "true", "HX-Target": "ticket-pane", "HX-Boosted": "true"}


def test_a_change_made_in_the_queues_pane_answers_with_the_ticket_in_the_pane(
    client, agent, other_agent, x_ticket
):
    """No redirect to the ticket's own page: the agent stays beside the queue, at the queue's URL."""
    client.force_login(agent)
    response = client.post(reverse("inbox:claim", args=[x_ticket.pk]), headers=PANE)
    html = response.content.decode()
    assert response.status_code == 200 and response["HX-Push-Url"] == "false"
    assert "claimed by Dana" in html and "<html" not in html
    assert 'hx-boost="true" action="/tickets/' in html  # the pane's forms keep answering into the pane

    x_ticket.refresh_from_db()
    x_ticket.assignee = other_agent  # Lee took it over meanwhile
    x_ticket.save(update_fields=["assignee"])
    refused = client.post(reverse("inbox:claim", args=[x_ticket.pk]), headers=PANE)
    assert refused.status_code == 409 and "Lee claimed this a moment ago" in refused.content.decode()
    assert "<html" not in refused.content.decode()


def test_the_ticket_page_itself_has_plain_forms(client, agent, x_ticket):
    client.force_login(agent)
    assert "hx-boost" not in client.get(reverse("inbox:ticket", args=[x_ticket.pk])).content.decode()


def test_tags_are_added_and_removed_on_the_ticket_page_with_their_timeline_events(client, agent, x_ticket):
    client.force_login(agent)
    assert _post(client, "tag", x_ticket, tag="  street   lights ").status_code == 302
    _post(client, "tag", x_ticket, tag="billing")
    assert sorted(x_ticket.tags.values_list("name", flat=True)) == ["billing", "street lights"]
    html = client.get(reverse("inbox:ticket", args=[x_ticket.pk])).content.decode()
    assert 'aria-label="Remove the tag street lights"' in html
    assert '<option value="billing">' in html  # offered on every ticket from now on

    _post(client, "untag", x_ticket, tag="billing")
    assert list(x_ticket.tags.values_list("name", flat=True)) == ["street lights"]
    changes = [
        e.data for e in x_ticket.events.filter(kind=TicketEvent.Kind.TAGGED, actor=agent).order_by("id")
    ]
    assert changes == [{"added": ["street lights"]}, {"added": ["billing"]}, {"removed": ["billing"]}]
    # The tag itself stays, for the filter.
    assert "billing" in client.get(reverse("inbox:queue")).content.decode()


def test_an_agent_who_may_not_create_tags_is_told_so_and_nothing_changes(client, agent, x_ticket):
    from django.contrib.auth.models import Permission

    agent.groups.first().permissions.remove(Permission.objects.get(codename="add_tag"))
    client.force_login(agent)
    response = _post(client, "tag", x_ticket, tag="brand new")
    assert response.status_code == 422
    assert "There is no tag called brand new, and you may not create tags." in response.content.decode()
    assert not x_ticket.tags.exists()
