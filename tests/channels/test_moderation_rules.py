"""Auto-hide: the admins' rules on each new public comment, once ingest committed it. The PII rule hides
the comment on the platform (the sandbox, over loopback) and hands the customer off to a private
reply queued in the outbox; what cannot be hidden is recorded for the agents."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from channels.models import ChannelAccount, ModerationRule
from channels.moderation import tasks
from channels.moderation.actions import message_hide
from channels.moderation.auto import messages_moderate
from channels.sandbox.instagram_api import InstagramApiSandbox
from oss_inbox.tickets.models import Message, TicketEvent
from oss_inbox.tickets.services.outbox import outbox_deliver

from .sandbox_accounts import poll, x_account

PHONE_REPLY = "Hi, we hid your comment because it showed a phone number, to keep it private."


@pytest.fixture(autouse=True)
def only_the_phone_rule(db):
    ModerationRule.objects.update(enabled=False)  # the defaults of migration 0008, on or off
    ModerationRule.objects.update_or_create(
        name="Phone numbers",
        defaults={"finds": "phone", "enabled": True, "kinds": [], "private_reply": PHONE_REPLY},
    )


def comment(graph, page, text):
    post = graph.add_post("Outage update: crews in Riverside")
    comment_id = graph.add_comment(post, "5501", "Kim Jones", text)
    poll(page)
    return Message.objects.get(external_id=comment_id)


def moderation_events(message):
    return list(message.ticket.events.filter(kind=TicketEvent.Kind.MODERATION).values_list("data", flat=True))


def test_ingest_asks_for_a_check_of_the_new_public_comments_once_committed(
    graph, page, monkeypatch, django_capture_on_commit_callbacks
):
    asked = []
    monkeypatch.setattr(tasks.moderate_inbound, "delay", asked.append)
    post = graph.add_post("Outage update")
    graph.add_comment(post, "5501", "Kim Jones", "Still dark, call me 217-555-0142")
    graph.add_messenger_message("7701", "Lee Park", "My number is 217-555-0199")

    with django_capture_on_commit_callbacks(execute=True):
        poll(page)

    comment_id = Message.objects.get(kind="comment").pk
    assert asked == [[comment_id]]  # the comment; Messenger is private already


def test_the_pii_rule_hides_the_comment_and_hands_off_to_a_private_reply(client, agent, graph, page):
    message = comment(graph, page, "Nobody answers at the office, call me at 217-555-0142")

    assert messages_moderate([message.pk]) is None

    assert graph.state.hidden_changes == [{"id": message.external_id, "is_hidden": True}]
    message.refresh_from_db()
    assert message.hidden_at is not None
    reply = Message.objects.get(direction="outbound")
    assert (reply.kind, reply.delivery_state, reply.is_automatic) == ("messenger", "queued", True)
    assert (reply.text, reply.in_reply_to) == (PHONE_REPLY, message.external_id)
    [hidden, queued] = sorted(moderation_events(message), key=lambda data: "hidden" not in data)
    assert (hidden["rule"], hidden["why"], hidden["private_reply"]) == (
        "Phone numbers",
        "a US phone number",
        reply.pk,
    )
    assert "217-555-0142" not in str(hidden)  # the event says what was found, never the number itself
    assert queued == {"message": reply.pk}

    assert outbox_deliver("reply", reply.pk) == "sent"
    [private] = graph.replies
    assert (private["kind"], private["to"], private["text"]) == (
        "private reply",
        message.external_id,
        PHONE_REPLY,
    )
    client.force_login(agent)
    page_text = client.get(reverse("inbox:ticket", args=[message.ticket_id])).content.decode()
    assert "Hidden on Facebook by rule “Phone numbers” at" in page_text
    assert "Moderation notice (automatic)" in page_text


def test_a_comment_without_anything_to_hide_is_left_alone(graph, page):
    message = comment(graph, page, "Outage since 2026-12-07, 12,400 customers out in 62701")
    messages_moderate([message.pk])
    assert graph.state.hidden_changes == [] and moderation_events(message) == []
    assert not Message.objects.filter(direction="outbound").exists()


def test_checking_twice_hides_once_and_answers_once(graph, page):
    message = comment(graph, page, "call me 217-555-0142")
    messages_moderate([message.pk])
    messages_moderate([message.pk])
    assert len(graph.state.hidden_changes) == 1
    assert Message.objects.filter(direction="outbound").count() == 1


def test_an_agent_who_shows_it_again_is_not_overruled_by_the_rule(graph, page, agent):
    message = comment(graph, page, "call me 217-555-0142")
    messages_moderate([message.pk])
    message.refresh_from_db()

    message_hide(message=message, hidden=False, actor=agent)
    messages_moderate([message.pk])

    message.refresh_from_db()
    assert message.hidden_at is None
    assert [change["is_hidden"] for change in graph.state.hidden_changes] == [True, False]


def test_a_platform_failing_for_now_is_tried_again_and_recorded_on_the_last_try(graph, page):
    message = comment(graph, page, "call me 217-555-0142")
    graph.fail_next(2, code=2, status=500)

    assert messages_moderate([message.pk]) is not None  # when to try again
    assert moderation_events(message) == []
    assert messages_moderate([message.pk], final=True) is None

    [failed] = moderation_events(message)
    assert failed["refused"] == "Facebook had a temporary problem (HTTP 500); will retry."
    message.refresh_from_db()
    assert message.hidden_at is None and not Message.objects.filter(direction="outbound").exists()


def test_an_x_post_that_is_not_a_reply_cannot_be_hidden_and_the_agents_are_told(client, agent, x_api):
    account = x_account(x_api)
    poll(account)
    x_api.add_mention("4001", "kjones", "Kim Jones", "power out, call me 217-555-0142")
    poll(account)
    message = Message.objects.get(account=account)

    messages_moderate([message.pk])

    assert not [r for r in x_api.requests if r["method"] == "PUT"] and x_api.sent_dms == []
    [failed] = moderation_events(message)
    assert failed["refused"].startswith("X lets an account hide only replies")
    client.force_login(agent)
    page_text = client.get(reverse("inbox:ticket", args=[message.ticket_id])).content.decode()
    assert "Rule “Phone numbers” found a US phone number here, but it is not hidden" in page_text


def test_a_rule_watches_only_its_channels_and_a_disabled_rule_nothing(graph, page):
    ModerationRule.objects.filter(name="Phone numbers").update(kinds=["twitter", "instagram"])
    ModerationRule.objects.create(name="Rude", finds="profanity", enabled=False, private_reply="Language!")
    message = comment(graph, page, "call me 217-555-0142, this is bullshit")
    messages_moderate([message.pk])
    assert graph.state.hidden_changes == []


def test_beat_s_sweep_checks_the_recent_comments_whose_task_was_lost(graph, page):
    message = comment(graph, page, "call me 217-555-0142")  # stored; the task it asked for never ran
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        tasks.sweep_moderation()
    assert graph.state.hidden_changes == []  # ten minutes on, the sweep has let it go

    tasks.sweep_moderation()

    assert graph.state.hidden_changes == [{"id": message.external_id, "is_hidden": True}]
    assert Message.objects.filter(direction="outbound").count() == 1


def test_on_instagram_the_rule_hides_the_comment_and_the_private_reply_is_a_dm(db):
    instagram = InstagramApiSandbox()
    instagram.start()
    try:
        account = ChannelAccount.objects.create(
            kind="instagram", name="Instagram @prairie_eg", self_external_id=instagram.account_id,
            settings={"graph_base_url": instagram.url, "timeout_seconds": 2},
            credentials={"access_token": instagram.token},
        )  # fmt: skip
        media = instagram.add_media("Storm crews are out tonight")
        kim = instagram.add_comment(media, "6601", "kim.jones", "no power, text me 217-555-0142")
        poll(account)
        message = Message.objects.get(external_id=kim)

        messages_moderate([message.pk])
        reply = Message.objects.get(direction="outbound")
        state = outbox_deliver("reply", reply.pk)
    finally:
        instagram.stop()

    assert instagram.state.hidden_changes == [(kim, True)]
    assert (reply.kind, state) == ("ig_dm", "sent")
    [private] = instagram.state.replies
    assert (private["kind"], private["to"], private["text"]) == ("private reply", kim, PHONE_REPLY)
    assert [data["on"] for data in moderation_events(message) if "hidden" in data] == ["Instagram"]
