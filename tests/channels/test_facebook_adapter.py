"""The Facebook Page adapter end to end: our real Graph client over real sockets against the sandbox.

Polls go through channels.polling.account_poll and replies through the one outbox (tickets.services.outbox),
as the Celery tasks call them. Every test checks that each item the Page holds is stored exactly
once: nothing lost, nothing doubled.
"""

import json
import socket
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from channels.facebook.adapter import FacebookAdapter
from channels.facebook.graph import TOKEN_EXPIRED
from channels.polling import accounts_due
from oss_inbox.tickets.models import Message, Ticket, UnprocessedItem
from oss_inbox.tickets.services import ReplyRefused, ticket_reply
from oss_inbox.tickets.services.outbox import outbox_deliver

from .sandbox_accounts import poll

OUTAGE = "Crews are restoring power in Riverside tonight. Thanks for your patience."
# Business-use-case usage is reported per business object, then per kind of limit.
BUSINESS_USAGE = {
    "104000000000001": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 12}]
}


def reply(ticket, agent, text):
    """An agent's reply, queued and then sent as the send task would (the test transaction never commits)."""
    message = ticket_reply(ticket=ticket, author=agent, text=text)
    state = outbox_deliver("reply", message.pk)
    message.refresh_from_db()
    return message, state


def assert_each_item_stored_once(graph, account):
    """Every comment, visitor post and Messenger message of the Page is a message or set aside, once."""
    messages = Message.objects.filter(account=account).exclude(external_id=None)
    stored = Counter(messages.values_list("external_id", flat=True))
    set_aside = set(UnprocessedItem.objects.filter(account=account).values_list("external_id", flat=True))
    expected = graph.state.item_ids()
    assert expected - set(stored) - set_aside == set(), "lost"
    assert set(stored) - expected == set(), "stored something the Page does not hold"
    assert [external_id for external_id, count in stored.items() if count > 1] == []
    assert set(stored) & set_aside == set()


def api_calls(graph, method="GET", containing=""):
    return [r for r in graph.requests if r["method"] == method and containing in r["path"]]


# ---- ingest -----------------------------------------------------------------------------------


def test_visitor_comments_on_a_page_post_become_tickets_with_the_post_as_context(graph, page):
    post = graph.add_post(OUTAGE)
    kim = graph.add_comment(post, "5501", "Kim Jones", "Any ETA for Oak Ave?")
    graph.add_comment(post, "5502", "Lee Park", "Still dark on Elm St")

    result = poll(page)

    assert result.tickets_opened == 2
    ticket = Ticket.objects.get(account=page, thread_key=f"fb:{post}:{kim}")
    message = ticket.messages.get()
    assert message.text == "Any ETA for Oak Ave?"
    assert message.author_identity.external_id == "5501"
    assert message.context["post_id"] == post
    assert message.context["post_text"] == OUTAGE
    assert page.last_error == "" and page.last_success_at is not None
    assert_each_item_stored_once(graph, page)


def test_a_reply_comment_threads_under_its_top_comments_ticket(graph, page):
    post = graph.add_post(OUTAGE)
    kim = graph.add_comment(post, "5501", "Kim Jones", "Any ETA for Oak Ave?")
    graph.add_comment(post, "5501", "Kim Jones", "Also Maple St.", parent_id=kim)
    poll(page)
    later = graph.add_comment(post, "5501", "Kim Jones", "Still nothing here", parent_id=kim)

    poll(page)

    ticket = Ticket.objects.get(account=page)
    assert ticket.thread_key == f"fb:{post}:{kim}"
    texts = list(ticket.messages.values_list("text", flat=True))
    assert texts == ["Any ETA for Oak Ave?", "Also Maple St.", "Still nothing here"]
    assert ticket.messages.get(external_id=later).in_reply_to == kim
    assert_each_item_stored_once(graph, page)


def test_a_visitor_post_becomes_a_ticket_and_the_pages_own_posts_do_not(graph, page):
    graph.add_post(OUTAGE)
    visitor_post = graph.add_post(
        "My meter reads zero since Tuesday", from_page=False, author=("5503", "Vic Ortiz")
    )

    poll(page)

    ticket = Ticket.objects.get(account=page)
    assert ticket.thread_key == f"fb:{visitor_post}"
    assert ticket.messages.get().kind == "post"
    assert_each_item_stored_once(graph, page)


def test_messenger_messages_become_one_ticket_per_conversation(graph, page):
    graph.add_messenger_message("7701", "Pat Quinn", "My bill doubled this month")
    graph.add_messenger_message("7702", "Ana Ruiz", "Is there a payment plan?")
    graph.add_messenger_message("7701", "Pat Quinn", "Account 4411-22")

    poll(page)

    pat = Ticket.objects.get(account=page, contact__identities__external_id="7701")
    assert pat.thread_key == f"fbm:{graph.state.conversation_of('7701')['id']}"
    assert list(pat.messages.values_list("text", flat=True)) == [
        "My bill doubled this month",
        "Account 4411-22",
    ]
    assert Ticket.objects.filter(account=page).count() == 2
    assert_each_item_stored_once(graph, page)


def test_a_second_poll_with_nothing_new_adds_nothing(graph, page):
    post = graph.add_post(OUTAGE)
    kim = graph.add_comment(post, "5501", "Kim Jones", "Any ETA?")
    graph.add_comment(post, "5502", "Lee Park", "Same here", parent_id=kim)
    graph.add_messenger_message("7701", "Pat Quinn", "My bill doubled")
    poll(page)
    cursor = page.cursor

    result = poll(page)

    assert result.stored == 0 and result.tickets_opened == 0
    assert Message.objects.filter(account=page).count() == 3
    assert page.cursor == cursor
    assert_each_item_stored_once(graph, page)


def test_every_page_of_every_edge_is_followed(graph, page):
    page.settings["page_size"] = 2
    page.save()
    posts = [graph.add_post(f"Update {n}") for n in range(3)]
    graph.add_post("Meter question", from_page=False, author=("5503", "Vic Ortiz"))
    graph.add_post("Streetlight out", from_page=False, author=("5504", "Mo Reed"))
    for n in range(5):
        top = graph.add_comment(posts[n % 3], f"55{n}", f"Customer {n}", f"Question {n}")
        graph.add_comment(posts[n % 3], f"55{n}", f"Customer {n}", f"Follow-up {n}", parent_id=top)
    for n in range(3):
        for m in range(3):
            graph.add_messenger_message(f"77{n}", f"Person {n}", f"Message {m}")

    poll(page)

    assert any("after" in r["query"] for r in api_calls(graph, containing="/feed"))
    assert any("after" in r["query"] for r in api_calls(graph, containing="/conversations"))
    assert Message.objects.filter(account=page).count() == 2 + 10 + 9
    assert_each_item_stored_once(graph, page)


def test_a_later_poll_reads_comments_only_down_to_what_it_has_seen(graph, page):
    page.settings["page_size"] = 5
    page.save()
    an_hour_ago = timezone.now() - timedelta(hours=1)
    post = graph.add_post(OUTAGE, at=an_hour_ago)
    for n in range(12):
        graph.add_comment(
            post, f"55{n}", f"Customer {n}", f"Question {n}", at=an_hour_ago + timedelta(minutes=n)
        )
    poll(page)
    first_poll_reads = len(api_calls(graph, containing="/comments"))
    graph.add_comment(post, "5599", "Kim Jones", "Any news?")

    poll(page)

    assert first_poll_reads == 3  # 12 comments in pages of 5
    assert len(api_calls(graph, containing="/comments")) == first_poll_reads + 1
    assert_each_item_stored_once(graph, page)


def test_the_same_page_served_twice_stores_each_item_once(graph, page):
    page.settings["page_size"] = 2
    page.save()
    post = graph.add_post(OUTAGE)
    graph.add_post("Meter question", from_page=False, author=("5503", "Vic Ortiz"))
    for n in range(4):
        graph.add_comment(post, f"55{n}", f"Customer {n}", f"Question {n}")
    graph.serve_page_twice()

    poll(page)
    graph.serve_page_twice()
    graph.add_comment(post, "5599", "Kim Jones", "Any news?")
    poll(page)

    assert sum("__repeat" in r["query"] for r in graph.requests) == 2
    assert Ticket.objects.filter(account=page).count() == 6
    assert_each_item_stored_once(graph, page)


def test_our_pages_own_comment_made_outside_the_app_is_linked_not_a_ticket(graph, page):
    post = graph.add_post(OUTAGE)
    kim = graph.add_comment(post, "5501", "Kim Jones", "Any ETA for Oak Ave?")
    poll(page)
    ours = graph.add_comment(
        post, graph.page_id, "Prairie Electric & Gas", "Crews arrive by 9pm.", parent_id=kim
    )
    standalone = graph.add_comment(post, graph.page_id, "Prairie Electric & Gas", "Update: 80% restored.")

    poll(page)

    ticket = Ticket.objects.get(account=page)
    echo = ticket.messages.get(external_id=ours)
    assert (echo.direction, echo.delivery_state) == ("outbound", "sent")
    assert ticket.first_response_at is not None
    assert UnprocessedItem.objects.get(account=page, external_id=standalone).reason == "own_post"
    assert_each_item_stored_once(graph, page)


def test_comments_on_posts_older_than_the_window_are_not_read_and_old_watermarks_are_dropped(graph, page):
    old = graph.add_post("Last month's storm", at=timezone.now() - timedelta(days=20))
    graph.add_comment(old, "5501", "Kim Jones", "Thanks!", at=timezone.now() - timedelta(days=19))
    recent = graph.add_post(OUTAGE)
    graph.add_comment(recent, "5502", "Lee Park", "Any ETA?")
    page.cursor = {"comments": {old: 1}, "messages": {"t_gone": 1}}
    page.save()

    poll(page)

    assert set(page.cursor["comments"]) == {recent}
    assert page.cursor["messages"] == {}
    assert api_calls(graph, containing=f"{old}/comments") == []


# ---- replies ----------------------------------------------------------------------------------


def test_a_reply_to_a_comment_is_posted_to_the_top_comment_and_its_id_stored(graph, page, agent):
    post = graph.add_post(OUTAGE)
    kim = graph.add_comment(post, "5501", "Kim Jones", "Any ETA for Oak Ave?")
    graph.add_comment(post, "5501", "Kim Jones", "Hello?", parent_id=kim)
    poll(page)
    ticket = Ticket.objects.get(account=page)

    message, state = reply(ticket, agent, "Crews arrive by 9pm, Kim.")
    poll(page)

    assert state == "sent"
    [sent] = graph.replies
    assert (sent["to"], sent["text"]) == (kim, "Crews arrive by 9pm, Kim.")
    assert message.external_id == sent["id"]
    assert Ticket.objects.filter(account=page).count() == 1
    assert_each_item_stored_once(graph, page)


def test_a_reply_to_a_visitor_post_is_a_comment_on_that_post(graph, page, agent):
    visitor_post = graph.add_post("My meter reads zero", from_page=False, author=("5503", "Vic Ortiz"))
    poll(page)

    message, state = reply(Ticket.objects.get(account=page), agent, "We'll send a technician, Vic.")

    assert state == "sent"
    assert [(r["kind"], r["to"], r["id"]) for r in graph.replies] == [
        ("comment", visitor_post, message.external_id)
    ]


def test_a_messenger_reply_answers_the_customers_psid_as_a_response(graph, page, agent):
    graph.add_messenger_message("7701", "Pat Quinn", "My bill doubled this month")
    poll(page)

    message, state = reply(Ticket.objects.get(account=page), agent, "Let me look at your account, Pat.")
    poll(page)

    assert state == "sent"
    [sent] = api_calls(graph, method="POST", containing="/messages")
    assert sent["json"] == {
        "recipient": {"id": "7701"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Let me look at your account, Pat."},
    }
    assert message.external_id == graph.replies[0]["id"]
    assert_each_item_stored_once(graph, page)


def test_a_messenger_reply_after_the_24_hour_window_goes_out_with_the_human_agent_tag(graph, page, agent):
    # Within 7 days a person may still answer, tagged (channels/send_rules.py); after that the reply is
    # refused before it is queued (tests/channels/test_platform_rules.py).
    graph.add_messenger_message("7701", "Pat Quinn", "My bill doubled", at=timezone.now() - timedelta(days=2))
    poll(page)

    message, state = reply(Ticket.objects.get(account=page), agent, "Sorry for the wait, Pat.")

    assert state == "sent"
    [sent] = api_calls(graph, method="POST", containing="/messages")
    assert (sent["json"]["messaging_type"], sent["json"]["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    assert [r["text"] for r in graph.replies] == ["Sorry for the wait, Pat."]


def test_a_reply_too_long_for_messenger_is_refused_before_it_is_queued(graph, page, agent):
    graph.add_messenger_message("7701", "Pat Quinn", "My bill doubled")
    poll(page)

    with pytest.raises(ReplyRefused, match="Messenger allows 2,000 characters; this reply is 1 too long"):
        reply(Ticket.objects.get(account=page), agent, "x" * 2001)

    assert api_calls(graph, method="POST") == []


def test_a_read_timeout_during_send_is_unknown_never_resent_and_reconciled_by_the_next_poll(
    graph, page, agent
):
    page.settings["timeout_seconds"] = 0.5
    page.save()
    post = graph.add_post(OUTAGE)
    graph.add_comment(post, "5501", "Kim Jones", "Any ETA?")
    poll(page)
    graph.delay_next(2, match="POST")

    message, state = reply(Ticket.objects.get(account=page), agent, "Crews arrive by 9pm.")
    again = outbox_deliver("reply", message.pk)

    assert (state, again) == ("unknown", None)
    assert len(graph.replies) == 1
    poll(page)
    message.refresh_from_db()
    assert (message.delivery_state, message.external_id) == ("sent", graph.replies[0]["id"])
    assert_each_item_stored_once(graph, page)


def test_a_reply_that_cannot_connect_is_queued_again(graph, page, agent):
    graph.add_messenger_message("7701", "Pat Quinn", "My bill doubled")
    poll(page)
    page.settings["graph_base_url"] = f"http://127.0.0.1:{_closed_port()}"
    page.save()

    message, state = reply(Ticket.objects.get(account=page), agent, "Looking into it.")

    assert state == "queued"
    assert "Could not connect" in message.delivery_error
    assert message.next_attempt_at is not None


# ---- failures while polling -------------------------------------------------------------------


def test_an_expired_token_marks_the_account_permanently_unhealthy_in_plain_words(graph, page):
    graph.add_messenger_message("7701", "Pat Quinn", "My bill doubled")
    graph.fail_next(code=190, status=400, subcode=463)

    poll(page)
    calls = len(graph.requests)

    assert page.error_is_permanent
    assert page.last_error == TOKEN_EXPIRED
    assert page.pk not in accounts_due(timezone.now() + timedelta(days=1))
    assert poll(page) is None and len(graph.requests) == calls
    assert Message.objects.filter(account=page).count() == 0


def test_a_revoked_token_fails_a_reply_in_plain_words(graph, page, agent):
    graph.add_messenger_message("7701", "Pat Quinn", "My bill doubled")
    poll(page)
    graph.revoke_token()

    message, state = reply(Ticket.objects.get(account=page), agent, "Looking into it.")

    assert (state, message.delivery_error) == ("failed", TOKEN_EXPIRED)


@pytest.mark.parametrize(
    ("code", "header", "usage", "minutes"),
    [
        (4, "X-App-Usage", {"call_count": 100, "total_time": 20, "estimated_time_to_regain_access": 7}, 7),
        (32, "X-Page-Usage", {"call_count": 100, "estimated_time_to_regain_access": 25}, 25),
        (613, "X-Business-Use-Case-Usage", BUSINESS_USAGE, 12),
        (17, "X-App-Usage", {"call_count": 100, "total_cputime": 30, "total_time": 40}, 15),
    ],
)
def test_throttling_sets_the_next_poll_from_the_usage_header_and_loses_nothing(
    graph, page, code, header, usage, minutes
):
    post = graph.add_post(OUTAGE)
    graph.add_comment(post, "5501", "Kim Jones", "Any ETA?")
    graph.add_messenger_message("7701", "Pat Quinn", "My bill doubled")
    graph.fail_next(code=code, status=400, headers={header: json.dumps(usage)}, skip=1)
    before = timezone.now()

    poll(page)

    assert not page.error_is_permanent
    assert f"Graph error {code}" in page.last_error
    expected = before + timedelta(minutes=minutes)
    assert expected - timedelta(seconds=5) <= page.next_poll_at <= expected + timedelta(seconds=30)
    assert poll(page).stored == 2
    assert_each_item_stored_once(graph, page)


def test_an_http_500_is_retried_and_the_next_poll_recovers(graph, page):
    post = graph.add_post(OUTAGE)
    graph.add_comment(post, "5501", "Kim Jones", "Any ETA?")
    graph.add_messenger_message("7701", "Pat Quinn", "My bill doubled")
    graph.fail_next(status=500, match="/conversations")

    poll(page)

    assert (page.error_is_permanent, page.consecutive_failures) == (False, 1)
    assert "temporary problem" in page.last_error
    assert page.next_poll_at > timezone.now()
    poll(page)
    assert (page.last_error, page.consecutive_failures) == ("", 0)
    assert_each_item_stored_once(graph, page)


def test_a_read_timeout_during_fetch_is_retried_and_the_next_poll_recovers(graph, page):
    page.settings["timeout_seconds"] = 0.5
    page.save()
    post = graph.add_post(OUTAGE)
    graph.add_comment(post, "5501", "Kim Jones", "Any ETA?")
    graph.delay_next(2, match="/comments")

    poll(page)

    assert not page.error_is_permanent
    assert "did not answer in time" in page.last_error
    assert Message.objects.filter(account=page).count() == 0
    poll(page)
    assert page.last_error == ""
    assert_each_item_stored_once(graph, page)


# ---- the connection itself --------------------------------------------------------------------


def test_check_names_the_page_and_every_call_uses_the_configured_version(graph, page):
    page.settings["graph_version"] = "v22.0"
    page.save()

    assert (
        FacebookAdapter(page).check() == f"Connected to the Page Prairie Electric & Gas (id {graph.page_id})"
    )
    assert {r["version"] for r in graph.requests} == {"v22.0"}


def test_without_an_account_version_every_call_uses_the_graph_api_version_setting(graph, page, settings):
    poll(page)
    assert {r["version"] for r in graph.requests} == {"v24.0"}  # the default of GRAPH_API_VERSION

    settings.GRAPH_API_VERSION = "v25.0"
    graph.requests.clear()
    FacebookAdapter(page).check()
    assert {r["version"] for r in graph.requests} == {"v25.0"}


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
