"""@mentions in internal notes notify the colleague, linked to the ticket; unknown names stay text."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from oss_inbox.inbox.mentions import mentioned_names
from oss_inbox.staff.models import Notification
from oss_inbox.staff.roles import AGENT

pytestmark = pytest.mark.django_db


def _note(client, ticket, text):
    return client.post(reverse("inbox:compose", args=[ticket.pk]), {"text": text, "action": "note"})


def test_a_mention_by_username_notifies_that_colleague_with_a_link(
    client,
    agent,
    other_agent,
    x_ticket,
    mailoutbox,
    django_capture_on_commit_callbacks,
    team_mails_sent_at_once,
):
    other_agent.email = "lee@utility.example"
    other_agent.save()
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        assert _note(client, x_ticket, "@lee can you check the outage map for Elm St?").status_code == 302
    [notification] = Notification.objects.filter(recipient=other_agent)
    assert notification.ticket == x_ticket
    assert (
        notification.text
        == f"Dana mentioned you on #{x_ticket.pk}: @lee can you check the outage map for Elm St?"
    )
    client.force_login(other_agent)
    page = client.get(reverse("staff:notifications")).content.decode()
    assert reverse("inbox:ticket", args=[x_ticket.pk]) in page and "Dana mentioned you" in page
    assert '<span class="count">1</span>' in page  # the unread badge in the top bar
    assert [mail.to for mail in mailoutbox] == [["lee@utility.example"]]


def test_a_unique_first_name_works_too_and_the_author_is_not_notified(client, agent, other_agent, x_ticket):
    other_agent.first_name = "Leonard"
    other_agent.save()
    client.force_login(agent)
    _note(client, x_ticket, "Leonard, @Leonard: see above. cc @dana")
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["lee"]


def test_a_first_name_two_colleagues_share_notifies_nobody(client, agent, other_agent, x_ticket):
    twin = User.objects.create_user("lee2", first_name="Lee")
    twin.groups.add(Group.objects.get(name=AGENT))
    other_agent.username = "lpark"
    other_agent.save()
    client.force_login(agent)
    _note(client, x_ticket, "@lee which of you took this?")
    assert not Notification.objects.exists()


def test_unknown_names_handles_and_addresses_are_left_as_text(client, agent, other_agent, outsider, x_ticket):
    client.force_login(agent)
    _note(client, x_ticket, "Customer is @kjones on X, email kim@lee.example; @olive is not on the team")
    assert not Notification.objects.exists()
    assert x_ticket.messages.get(direction="note").text.startswith("Customer is @kjones")


def test_mentioned_names_are_read_once_each_without_trailing_punctuation():
    assert mentioned_names("@Lee, @lee. (@sam) @lee.park! mail@lee.example") == ["lee", "sam", "lee.park"]


def test_the_note_marks_the_colleagues_it_mentions_and_escapes_the_rest(client, agent, other_agent, x_ticket):
    client.force_login(agent)
    _note(client, x_ticket, "@lee see <b>this</b> from @kjones")
    html = client.get(reverse("inbox:ticket", args=[x_ticket.pk])).content.decode()
    assert '<strong class="mention">@lee</strong> see &lt;b&gt;this&lt;/b&gt; from @kjones' in html
