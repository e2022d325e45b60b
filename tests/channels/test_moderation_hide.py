"""Hide and Show from the ticket page: the real clients (our Graph client, tweepy) call the sandbox
servers over loopback, and only once the platform said yes does the ticket record it."""

import pytest
from django.urls import reverse

from oss_inbox.tickets.models import Message, Ticket, TicketEvent

from .sandbox_accounts import poll, x_account


def hide(client, message, hidden=True):
    url = reverse("inbox:hide", args=[message.ticket_id, message.pk])
    return client.post(url, {"hidden": "true" if hidden else "false"}, follow=True)


def moderation_events(ticket):
    return list(ticket.events.filter(kind=TicketEvent.Kind.MODERATION).values_list("actor__username", "data"))


@pytest.fixture
def fb_comment(graph, page):
    post = graph.add_post("Outage update: crews in Riverside")
    comment_id = graph.add_comment(post, "5501", "Kim Jones", "You people are useless, call me 217-555-0142")
    poll(page)
    return Message.objects.get(external_id=comment_id)


def test_hiding_a_facebook_comment_posts_is_hidden_and_records_who_did_it(client, agent, graph, fb_comment):
    client.force_login(agent)

    page = hide(client, fb_comment)

    [call] = [r for r in graph.requests if r["method"] == "POST"]
    assert call["path"] == f"/{fb_comment.external_id}" and call["form"]["is_hidden"] == "true"
    assert graph.state.hidden_changes == [{"id": fb_comment.external_id, "is_hidden": True}]
    fb_comment.refresh_from_db()
    assert fb_comment.hidden_at is not None
    [(actor, data)] = moderation_events(fb_comment.ticket)
    assert actor == "dana" and (data["hidden"], data["on"], data["message"]) == (
        True,
        "Facebook",
        fb_comment.pk,
    )
    shown = page.content.decode()
    assert "Hidden on Facebook by Dana at" in shown and "Show on Facebook" in shown
    assert shown.count("hidden-on-channel") == 1  # the comment is drawn as no longer public


def test_showing_it_again_posts_is_hidden_false_and_records_that_too(client, agent, graph, fb_comment):
    client.force_login(agent)
    hide(client, fb_comment)

    page = hide(client, fb_comment, hidden=False)

    assert graph.state.hidden_changes[-1] == {"id": fb_comment.external_id, "is_hidden": False}
    fb_comment.refresh_from_db()
    assert fb_comment.hidden_at is None
    assert [data["hidden"] for _, data in moderation_events(fb_comment.ticket)] == [True, False]
    assert "Shown again on Facebook by Dana" in page.content.decode()
    assert "hidden-on-channel" not in page.content.decode()


def test_a_refused_hide_tells_the_agent_why_and_records_nothing(client, agent, graph, fb_comment):
    client.force_login(agent)
    graph.fail_next(code=200, message="(#200) Requires pages_manage_engagement permission")

    page = hide(client, fb_comment)

    assert page.status_code == 422
    assert "lacks a permission this needs (Graph error 200)" in page.content.decode()
    fb_comment.refresh_from_db()
    assert fb_comment.hidden_at is None and moderation_events(fb_comment.ticket) == []


def test_hiding_an_x_reply_to_our_post_puts_hidden_true(client, agent, x_api):
    account = x_account(x_api)
    poll(account)
    ours = x_api.state.add_own_tweet("Crews are restoring power in Riverside tonight.")
    reply = x_api.add_mention(
        "4001", "kjones", "Kim Jones", "liars, my number is 217-555-0142", in_reply_to=ours
    )
    poll(account)
    message = Message.objects.get(external_id=reply)
    client.force_login(agent)

    hide(client, message)

    [call] = [r for r in x_api.requests if r["method"] == "PUT"]
    assert call["path"] == f"/2/tweets/{reply}/hidden" and call["response"] == {"data": {"hidden": True}}
    message.refresh_from_db()
    assert message.hidden_at is not None
    assert moderation_events(message.ticket)[0][1]["on"] == "X"


def test_x_refuses_to_hide_a_reply_in_someone_else_s_conversation_in_plain_words(client, agent, x_api):
    account = x_account(x_api)
    poll(account)
    theirs = x_api.add_mention("4002", "pat", "Pat Oak", "Power out on Oak Ave")
    reply = x_api.add_mention("4001", "kjones", "Kim Jones", "same here, call me", in_reply_to=theirs)
    poll(account)
    message = Message.objects.get(external_id=reply)
    client.force_login(agent)

    page = hide(client, message)

    assert page.status_code == 422
    assert "X lets an account hide only replies in conversations it started" in page.content.decode()
    message.refresh_from_db()
    assert message.hidden_at is None and moderation_events(message.ticket) == []


def test_a_dm_offers_no_hide_and_a_forged_post_is_refused(client, agent, x_api):
    account = x_account(x_api)
    poll(account)
    x_api.add_dm("4003", "lee", "Lee Park", "My bill doubled")
    poll(account)
    message = Message.objects.get(account=account)
    client.force_login(agent)

    assert "Hide on" not in client.get(reverse("inbox:ticket", args=[message.ticket_id])).content.decode()
    page = hide(client, message)

    assert page.status_code == 422 and "public comment or reply can be hidden" in page.content.decode()
    assert not [r for r in x_api.requests if r["method"] == "PUT"]
    assert Ticket.objects.get().events.filter(kind=TicketEvent.Kind.MODERATION).count() == 0


def test_someone_outside_the_queue_cannot_hide(client, outsider, graph, fb_comment):
    client.force_login(outsider)
    assert hide(client, fb_comment).status_code == 403
    assert graph.state.hidden_changes == []
