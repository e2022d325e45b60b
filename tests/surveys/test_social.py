"""Messenger (quick replies inside the 24-hour window), X (a DM link for DM conversations) and the
public conversations that get no survey, against the fake Graph and X servers."""

from datetime import timedelta

from django.utils import timezone

from channels.facebook.webhook import read_webhook
from oss_inbox.surveys.models import Survey
from oss_inbox.tickets.models import Message, Ticket, TicketEvent
from oss_inbox.tickets.services import ingest
from tests.channels.sandbox_accounts import poll, x_account

from .world import answer_and_resolve, deliver, send_due

PSID = "5501"


def messenger_ticket(graph, page, agent, text="My bill doubled this month"):
    graph.add_messenger_message(PSID, "Kim Jones", text)
    poll(page)
    ticket = Ticket.objects.get(account=page)
    answer_and_resolve(ticket, agent)
    return ticket


def sent_messenger_survey(graph, page, agent):
    ticket = messenger_ticket(graph, page, agent)
    [survey] = send_due()
    assert deliver(survey)[0] == "sent"
    return ticket, survey


def tapped(graph, ticket, mid, text, payload):
    """A Messenger webhook of the customer tapping a quick reply, read as the webhook receiver would."""
    now_ms = int(timezone.now().timestamp() * 1000)
    message = {"mid": mid, "text": text, "quick_reply": {"payload": payload}}
    event = {
        "sender": {"id": PSID},
        "recipient": {"id": graph.page_id},
        "timestamp": now_ms,
        "message": message,
    }
    body = {"object": "page", "entry": [{"id": graph.page_id, "time": now_ms, "messaging": [event]}]}
    return read_webhook(body, page_id=graph.page_id, conversation_ids={PSID: ticket.thread_key[4:]}).items


# ---- Messenger ------------------------------------------------------------------------------------


def test_messenger_gets_quick_replies_with_the_rating_payloads_inside_the_24_hour_window(graph, page, agent):
    ticket, survey = sent_messenger_survey(graph, page, agent)

    assert survey.channel == Survey.Channel.MESSENGER
    [request] = [r for r in graph.requests if r["method"] == "POST"]
    sent = request["json"]
    assert sent["messaging_type"] == "RESPONSE" and sent["recipient"] == {"id": PSID}
    assert [(button["title"], button["payload"]) for button in sent["message"]["quick_replies"]] == [
        (f"{rating} {words}", f"csat:{survey.token}:{rating}")
        for rating, words in [(5, "Very satisfied"), (4, "Satisfied"), (3, "Neutral"),
                              (2, "Dissatisfied"), (1, "Very dissatisfied")]
    ]  # fmt: skip
    assert all(
        button["content_type"] == "text" and len(button["title"]) <= 20
        for button in sent["message"]["quick_replies"]
    )
    assert f"/survey/{survey.token}/" in sent["message"]["text"]  # for a comment


def test_messenger_after_the_24_hour_window_is_skipped_with_the_reason(graph, page, agent):
    messenger_ticket(graph, page, agent)

    [survey] = send_due(after=timedelta(hours=25))

    assert (survey.message, survey.skipped_reason) == (None, "Outside Messenger's 24-hour window")
    assert not [r for r in graph.requests if r["method"] == "POST"]


def test_a_tapped_quick_reply_from_a_webhook_records_the_rating_without_reopening(graph, page, agent):
    ticket, survey = sent_messenger_survey(graph, page, agent)
    items = tapped(graph, ticket, "m_tap_1", "4 Satisfied", f"csat:{survey.token}:4")
    assert items[0].context == {"quick_reply": f"csat:{survey.token}:4"}

    ingest(page, items)

    survey.refresh_from_db()
    ticket.refresh_from_db()
    assert (survey.rating, survey.rated_via) == (4, Survey.Via.QUICK_REPLY)
    assert ticket.status == Ticket.Status.RESOLVED and ticket.sla_due_at is None
    answer = Message.objects.get(external_id="m_tap_1")
    assert answer.ticket == ticket and answer.context["survey_answer"]["rating"] == 4
    assert ticket.events.filter(kind=TicketEvent.Kind.SURVEY, data__rating=4).exists()
    assert not ticket.events.filter(kind=TicketEvent.Kind.REOPENED).exists()


def test_a_quick_reply_read_by_a_poll_counts_by_its_title(graph, page, agent):
    ticket, survey = sent_messenger_survey(graph, page, agent)
    graph.add_messenger_message(PSID, "Kim Jones", "5 Very satisfied")

    poll(page)

    survey.refresh_from_db()
    ticket.refresh_from_db()
    assert survey.rating == 5 and ticket.status == Ticket.Status.RESOLVED


def test_another_message_after_the_survey_reopens_the_ticket_as_usual(graph, page, agent):
    ticket, survey = sent_messenger_survey(graph, page, agent)
    graph.add_messenger_message(PSID, "Kim Jones", "Actually it is out again")

    poll(page)

    survey.refresh_from_db()
    ticket.refresh_from_db()
    assert survey.rating is None and ticket.status == Ticket.Status.OPEN


def test_a_payload_of_another_survey_is_a_plain_message(graph, page, agent):
    ticket, survey = sent_messenger_survey(graph, page, agent)
    ingest(page, tapped(graph, ticket, "m_tap_2", "Yes", "csat:" + "x" * 32 + ":5"))

    survey.refresh_from_db()
    assert survey.rating is None


# ---- Facebook comments ---------------------------------------------------------------------------


def test_a_facebook_comment_gets_no_survey(graph, page, agent):
    post = graph.add_post("Outage update: crews in Riverside")
    graph.add_comment(post, PSID, "Kim Jones", "Any ETA for Elm St?")
    poll(page)
    answer_and_resolve(Ticket.objects.get(account=page), agent)

    [survey] = send_due()

    assert survey.skipped_reason == "A public Facebook comment or post (surveys go by Messenger only)"
    assert survey.message is None


# ---- X ----------------------------------------------------------------------------------------------


def x_with_cursor(x_api):
    account = x_account(x_api)
    poll(account)
    return account


def test_an_x_dm_conversation_gets_a_dm_with_the_survey_link(x_api, agent):
    x = x_with_cursor(x_api)
    x_api.add_dm("4002", "pat_oak", "Pat Oak", "My bill doubled")
    poll(x)
    answer_and_resolve(Ticket.objects.get(account=x), agent)

    [survey] = send_due()
    state, message = deliver(survey)

    assert (survey.channel, state, message.kind) == (Survey.Channel.X_DM, "sent", "dm")
    [dm] = x_api.sent_dms
    assert f"http://127.0.0.1:8000/survey/{survey.token}/" in dm["text"]
    assert x_api.posted_tweets == []


def test_a_public_mention_gets_no_survey(x_api, agent):
    x = x_with_cursor(x_api)
    x_api.add_mention("4001", "kjones", "Kim Jones", "Power out on Elm St")
    poll(x)
    answer_and_resolve(Ticket.objects.get(account=x), agent)

    [survey] = send_due()

    assert survey.skipped_reason == "A public X conversation (surveys go by DM only)"
    assert x_api.sent_dms == [] and x_api.posted_tweets == []
