"""A colleague replied while Dana was writing: Send shows their replies and offers Send anyway, Save as
note or Cancel. The customer gets one reply or none, and Dana's text is never lost."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from oss_inbox.tickets.services import ticket_reply

pytestmark = pytest.mark.django_db

OPENED = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 9:00 AM in Chicago
DRAFT = "Crews are on their way to Elm St."


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(OPENED, tick=False) as clock:
        yield clock


def _page(client, ticket, **headers):
    return client.get(reverse("inbox:ticket", args=[ticket.pk]), **headers).content.decode()


def _field(html, name):
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def _post(client, ticket, fields, **headers):
    return client.post(reverse("inbox:compose", args=[ticket.pk]), fields, **headers)


def _composer(html, text=DRAFT, action="reply", **extra):
    """What the composer on `html` posts when its button `action` is pressed."""
    fields = {"text": text, "action": action, "once": _field(html, "once")}
    fields["seen_outbound"] = _field(html, "seen_outbound")
    for name in ("confirmed", "confirmed_through", "collided_after"):
        if f'name="{name}"' in html:
            fields[name] = _field(html, name)
    return {**fields, **extra}


def _replies_by(ticket, user):
    return ticket.messages.filter(direction="outbound", author_user=user)


def _collide(client, agent, other_agent, ticket, action="reply", **extra):
    """Dana opens the ticket and writes; Lee replies at 9:02; Dana presses `action`: the choices."""
    client.force_login(agent)
    opened = _page(client, ticket)
    ticket_reply(
        ticket=ticket,
        author=other_agent,
        text="Lee here: a crew is on site.",
        sent_at=OPENED + timedelta(minutes=2),
    )
    response = _post(client, ticket, _composer(opened, action=action, **extra))
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="collision-reply"' in html  # Lee's reply is shown before Dana chooses
    return html


def test_send_shows_the_colleagues_reply_and_three_choices_before_anything_is_sent(
    client, agent, other_agent, x_ticket
):
    html = _collide(client, agent, other_agent, x_ticket)
    box = html[html.index("data-collision") :]
    assert "Lee replied to this customer after you opened the ticket" in box
    assert "Lee here: a crew is on site." in box and "9:02 AM" in box  # who, when (Chicago), what
    for choice in ('value="reply" class="primary"', ">Send anyway<", ">Save as note<", ">Cancel<"):
        assert choice in box
    assert DRAFT + "</textarea>" in html  # the draft is kept in the composer
    assert not _replies_by(x_ticket, agent).exists()


def test_the_open_tickets_state_line_says_a_colleague_replied_before_send_is_pressed(
    client, agent, other_agent, x_ticket
):
    client.force_login(agent)
    opened = _page(client, x_ticket)
    assert 'hx-include="#seen-outbound"' in opened and 'id="seen-outbound"' in opened
    state = reverse("inbox:state", args=[x_ticket.pk])
    seen = {"seen_outbound": _field(opened, "seen_outbound")}
    assert "replied" not in client.get(state, seen).content.decode()
    ticket_reply(ticket=x_ticket, author=other_agent, text="Lee here.", sent_at=OPENED + timedelta(minutes=2))
    html = client.get(state, seen).content.decode()
    assert (
        "Lee replied to the customer after you opened this ticket (<time" in html
        and ">9:02 AM</time>" in html
    )
    assert (
        "Lee replied"
        not in client.get(
            state, {"seen_outbound": _field(_page(client, x_ticket), "seen_outbound")}
        ).content.decode()
    )


def test_every_colleague_reply_since_the_ticket_was_opened_is_shown(
    client, agent, other_agent, supervisor, x_ticket
):
    client.force_login(agent)
    opened = _page(client, x_ticket)
    ticket_reply(ticket=x_ticket, author=other_agent, text="First answer from Lee.")
    ticket_reply(ticket=x_ticket, author=supervisor, text="Sam adds the restoration time.")
    html = _post(client, x_ticket, _composer(opened)).content.decode()
    assert "Lee and Sam replied to this customer" in html
    assert len(re.findall('data-testid="collision-reply"', html)) == 2
    assert html.index("First answer from Lee.") < html.index("Sam adds the restoration time.")


def test_send_anyway_sends_the_draft_once_even_when_pressed_twice(
    client, agent, other_agent, x_ticket, django_capture_on_commit_callbacks
):
    html = _collide(client, agent, other_agent, x_ticket)
    with django_capture_on_commit_callbacks() as queued:
        for _ in range(2):  # a double click, or a request the browser sends again
            assert _post(client, x_ticket, _composer(html)).status_code == 302
    assert list(_replies_by(x_ticket, agent).values_list("text", flat=True)) == [DRAFT]
    assert len(queued) == 1  # one send for the outbox
    assert x_ticket.messages.filter(direction="note").count() == 0


def test_send_anyway_after_send_and_resolve_resolves_too(
    client, agent, other_agent, email_ticket, django_capture_on_commit_callbacks
):
    html = _collide(client, agent, other_agent, email_ticket, action="reply_resolve")
    assert ">Send anyway &amp; resolve<" in html and 'value="reply_resolve" class="primary"' in html
    with django_capture_on_commit_callbacks():
        assert _post(client, email_ticket, _composer(html, action="reply_resolve")).status_code == 302
    email_ticket.refresh_from_db()
    assert email_ticket.status == "resolved"
    assert _replies_by(email_ticket, agent).count() == 1


def test_save_as_note_keeps_the_draft_for_colleagues_and_sends_the_customer_nothing(
    client, agent, other_agent, email_ticket, django_capture_on_commit_callbacks
):
    html = _collide(client, agent, other_agent, email_ticket, action="reply_resolve")
    with django_capture_on_commit_callbacks() as queued:
        for _ in range(2):
            assert _post(client, email_ticket, _composer(html, action="note")).status_code == 302
    note = email_ticket.messages.get(direction="note")
    assert (note.text, note.author_user) == (DRAFT, agent)
    assert not _replies_by(email_ticket, agent).exists() and queued == []
    email_ticket.refresh_from_db()
    assert email_ticket.status != "resolved"  # Save as note does not resolve


def test_cancel_keeps_the_draft_shows_the_reply_and_the_next_send_goes_through(
    client, agent, other_agent, x_ticket, django_capture_on_commit_callbacks
):
    html = _collide(client, agent, other_agent, x_ticket, reply_as="private")
    response = _post(
        client, x_ticket, _composer(html, text=DRAFT + " Edited.", action="cancel", reply_as="private")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert DRAFT + " Edited.</textarea>" in page  # the draft, as it was in the box
    assert '<option value="private" selected>' in page  # and its public/private choice
    assert "Not sent. Lee&#x27;s reply is in the conversation above" in page
    assert "Lee here: a crew is on site." in page[: page.index('<form class="composer')]
    assert "data-collision" not in page.replace("data-collision-focus", "")
    assert not x_ticket.messages.exclude(direction="inbound").exclude(author_user=other_agent).exists()
    with django_capture_on_commit_callbacks():  # Lee's reply is seen now: Send sends
        assert (
            _post(client, x_ticket, _composer(page, text="Edited after Lee.", reply_as="private")).status_code
            == 302
        )
    assert list(_replies_by(x_ticket, agent).values_list("text", flat=True)) == ["Edited after Lee."]


def test_a_reply_arriving_while_dana_chooses_is_shown_before_send_anyway_sends(
    client, agent, other_agent, supervisor, x_ticket
):
    html = _collide(client, agent, other_agent, x_ticket)
    ticket_reply(ticket=x_ticket, author=supervisor, text="Sam: restoration by noon.")
    again = _post(client, x_ticket, _composer(html))
    assert again.status_code == 409
    page = again.content.decode()
    assert "Lee and Sam replied" in page and "Lee here: a crew is on site." in page
    assert not _replies_by(x_ticket, agent).exists()
    assert _post(client, x_ticket, _composer(page)).status_code == 302
    assert _replies_by(x_ticket, agent).count() == 1


def test_a_double_click_on_send_that_crosses_a_colleagues_reply_sends_once(
    client, agent, other_agent, x_ticket, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    opened = _page(client, x_ticket)
    with django_capture_on_commit_callbacks():
        assert _post(client, x_ticket, _composer(opened)).status_code == 302
    ticket_reply(ticket=x_ticket, author=other_agent, text="Lee here: a crew is on site.")
    # The second click arrives after Lee's reply: it is the same post, not a new one to ask about.
    assert _post(client, x_ticket, _composer(opened)).status_code == 302
    assert _replies_by(x_ticket, agent).count() == 1


def test_in_the_queue_pane_the_choices_answer_into_the_pane(
    client, agent, other_agent, x_ticket, django_capture_on_commit_callbacks
):
    pane = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "ticket-pane"}
    client.force_login(agent)
    opened = _page(client, x_ticket, **pane)
    ticket_reply(ticket=x_ticket, author=other_agent, text="Lee here: a crew is on site.")
    collided = _post(client, x_ticket, _composer(opened), **pane)
    html = collided.content.decode()
    assert collided.status_code == 409 and "<html" not in html and ">Save as note<" in html
    cancelled = _post(client, x_ticket, _composer(html, action="cancel"), **pane)
    assert cancelled.status_code == 200 and DRAFT + "</textarea>" in cancelled.content.decode()
    with django_capture_on_commit_callbacks():
        sent = _post(client, x_ticket, _composer(html), **pane)  # Send anyway
    assert sent.status_code == 200 and DRAFT in sent.content.decode()
    assert _replies_by(x_ticket, agent).count() == 1


def test_an_odd_message_id_in_a_post_or_a_poll_counts_as_none_seen(client, agent, other_agent, x_ticket):
    """ "²" passes str.isdigit() but not int(): a hand-made post gets the choices, not a server error."""
    html = _collide(client, agent, other_agent, x_ticket, seen_outbound="²")
    assert "Lee here: a crew is on site." in html
    state = client.get(reverse("inbox:state", args=[x_ticket.pk]), {"seen_outbound": "²"})
    assert state.status_code == 200 and 'data-testid="colleague-replied"' in state.content.decode()
