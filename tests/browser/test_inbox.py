"""An agent works a ticket with the keyboard and the composer; a colleague sees the claim and is warned."""

import re

import pytest
from playwright.sync_api import expect

from oss_inbox.inbox.models import CannedResponse
from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ingest
from tests.factories import email

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_claims_uses_canned_replies_and_resolves_while_a_colleague_is_warned(
    logged_in_page, live_server, agent, other_agent, mailbox, tasks_run_in_the_server
):
    ingest(mailbox, [email(subject="Bill higher than usual")])
    ticket = Ticket.objects.get()
    CannedResponse.objects.create(
        name="Bill review", text="Hi {{customer.first_name}}, I'm looking into it. — {{agent.first_name}}"
    )
    dana, lee = logged_in_page(agent), logged_in_page(other_agent)
    lee.goto(f"{live_server.url}/tickets/{ticket.pk}/")

    dana.goto(f"{live_server.url}/")
    dana.get_by_role("link", name=re.compile("^All open")).click()
    dana.wait_for_load_state()  # htmx is running: Enter opens in place (before, it follows the plain link)
    dana.keyboard.press("j")
    dana.keyboard.press("Enter")
    expect(dana).to_have_url(re.compile(rf"\?ticket={ticket.pk}$"))  # opened in place, in the third pane
    expect(dana.locator("#ticket-pane h1")).to_contain_text("Bill higher than usual")
    dana.keyboard.press("?")
    expect(dana.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    dana.keyboard.press("Escape")
    dana.keyboard.press("a")
    expect(dana.get_by_test_id("claimed-by")).to_have_text("claimed by Dana")
    # The claim was made in the pane: Dana is still beside the queue, whose row says so at once.
    expect(dana).to_have_url(re.compile(rf"\?ticket={ticket.pk}$"))
    expect(dana.locator(f"tr[data-ticket-id='{ticket.pk}']")).to_contain_text("Dana", timeout=2000)
    expect(lee.get_by_test_id("claimed-by")).to_have_text("claimed by Dana", timeout=6000)
    dana.keyboard.press("t")
    dana.keyboard.type("billing")
    dana.keyboard.press("Enter")
    expect(dana.locator("#ticket-pane .tag-list")).to_contain_text("billing")
    expect(dana.locator(f"tr[data-ticket-id='{ticket.pk}'] .tag")).to_have_text("billing", timeout=2000)

    dana.get_by_label("Canned response").fill("Bill review")
    dana.get_by_role("button", name="Insert").click()
    composer = dana.get_by_label(re.compile("Reply to Maria Lopez"))
    expect(composer).to_have_value("Hi Maria, I'm looking into it. — Dana")
    dana.get_by_role("button", name="Send & resolve").click()
    expect(dana.locator("#ticket-pane #status")).to_have_value("resolved")
    expect(dana.locator("#ticket-pane .message.outbound")).to_contain_text("Hi Maria, I'm looking into it.")
    expect(dana).to_have_url(re.compile(rf"\?ticket={ticket.pk}$"))
    # The sent draft is not offered again.
    expect(dana.locator("#ticket-pane .composer textarea")).to_have_value("")

    lee.get_by_label(re.compile("Reply to Maria Lopez")).fill("Let me check your meter readings.")
    lee.get_by_role("button", name="Send", exact=True).click()
    expect(lee.get_by_role("alert")).to_contain_text(
        "Dana replied to this customer after you opened the ticket"
    )
    assert Ticket.objects.get().messages.filter(direction="outbound").count() == 1


def test_a_draft_survives_a_reload_and_the_x_counter_counts(logged_in_page, live_server, agent, twitter):
    from tests.factories import inbound

    ingest(twitter, [inbound()])
    ticket = Ticket.objects.get()
    page = logged_in_page(agent)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    composer = page.get_by_label(re.compile("Reply to"))
    composer.fill("Crews are on their way, see https://example.com/outages")
    # 28 characters and a link counted as 23, as tweet_length says.
    expect(page.locator("#composer-count")).to_have_text("51/280")
    page.reload()
    expect(composer).to_have_value("Crews are on their way, see https://example.com/outages")
    composer.fill("Café 東京 🙂")
    expect(page.locator("#composer-count")).to_have_text("12/280")  # CJK and emoji weigh 2
    composer.fill("x" * 281)
    expect(page.locator("#composer-count")).to_contain_text("1 too long for X")


def test_the_queue_shows_a_colleagues_claim_without_losing_the_selection(
    logged_in_page, live_server, agent, other_agent, mailbox
):
    from oss_inbox.tickets.services import ticket_claim

    ingest(
        mailbox,
        [email(subject="Bill higher than usual"), email(sender="tom@example.com", subject="Payment plan")],
    )
    page = logged_in_page(agent)
    page.goto(f"{live_server.url}/")
    page.keyboard.press("j")
    selected = page.locator("tr.selected")
    expect(selected).to_have_count(1)
    selected_id = selected.get_attribute("data-ticket-id")
    page.wait_for_timeout(500)  # the first poll has read the version
    ticket_claim(ticket=Ticket.objects.get(subject="Payment plan"), user=other_agent)
    expect(page.locator("tr", has_text="Payment plan")).to_contain_text("Lee", timeout=7000)
    expect(page.locator("tr.selected")).to_have_attribute("data-ticket-id", selected_id)


def test_agent_filters_searches_opens_in_place_and_acts_on_several_tickets(
    logged_in_page, live_server, agent, other_agent, mailbox, twitter
):
    from tests.factories import author, inbound

    ingest(
        mailbox,
        [
            email(subject="Bill higher than usual", text="My bill doubled this month"),
            email(
                sender="tom@example.com",
                name="Tom Baker",
                subject="Payment plan",
                text="Can I set up a payment plan?",
            ),
        ],
    )
    ingest(
        twitter,
        [
            inbound(who=author("7", "kjones", "Kim Jones")),
            inbound(who=author("8", "rpatel", "Raj Patel"), text="Streetlight out"),
        ],
    )
    page = logged_in_page(agent)
    page.goto(f"{live_server.url}/")
    expect(page.locator("#queue-rows tr")).to_have_count(4)

    page.get_by_role("link", name=re.compile("^Unassigned")).click()
    page.get_by_label("Channel").select_option("Email")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"view=unassigned&channel=email$"))
    expect(page.locator("#queue-rows tr")).to_have_count(2)
    page.wait_for_load_state()
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name=re.compile("Search tickets"))).to_be_focused()
    page.keyboard.type("payment")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"view=unassigned&channel=email&q=payment$"))
    expect(page.locator("#queue-rows tr")).to_have_count(1)
    page.wait_for_load_state()

    payment = Ticket.objects.get(subject="Payment plan")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-pane h1")).to_contain_text("Payment plan")
    expect(page).to_have_url(re.compile(rf"view=unassigned&channel=email&q=payment&ticket={payment.pk}$"))
    expect(page.locator("tr.selected")).to_have_attribute("data-ticket-id", str(payment.pk))
    page.reload()  # the pushed URL is a link to share: the same queue with the ticket open beside it
    expect(page.locator("#ticket-pane h1")).to_contain_text("Payment plan")

    page.goto(f"{live_server.url}/?channel=x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator("[data-selected-count]")).to_have_text("2 selected")
    page.get_by_label("Assign the selected tickets to").select_option(label="Lee")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Assigned 2 tickets")
    assert Ticket.objects.filter(account=twitter, assignee=other_agent).count() == 2

    page.get_by_label("Select every ticket on this page").check()
    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Resolved 2 tickets")
    expect(page.locator("#queue-rows")).to_contain_text("No tickets here")
    assert Ticket.objects.filter(account=twitter, status="resolved").count() == 2


def test_in_the_pane_a_colleagues_reply_is_confirmed_first_and_nothing_leaves_the_queue(
    logged_in_page, live_server, agent, other_agent, mailbox, tasks_run_in_the_server
):
    from oss_inbox.tickets.services import ticket_reply

    ingest(mailbox, [email(subject="Bill higher than usual")])
    ticket = Ticket.objects.get()
    page = logged_in_page(agent)
    page.goto(f"{live_server.url}/?ticket={ticket.pk}")
    page.get_by_label(re.compile("Reply to Maria Lopez")).fill("We will re-read your meter.")
    ticket_reply(ticket=ticket, author=other_agent, text="Lee here: your bill is being checked.")

    page.get_by_role("button", name="Send", exact=True).click()
    alert = page.locator("#ticket-pane").get_by_role("alert")
    expect(alert).to_contain_text("Lee replied to this customer after you opened the ticket")
    expect(page).to_have_url(re.compile(rf"/\?ticket={ticket.pk}$"))
    assert ticket.messages.filter(direction="outbound").count() == 1  # nothing sent before Dana agrees

    page.get_by_role("button", name="Send anyway").click()
    expect(page.locator("#ticket-pane .message.outbound")).to_have_count(2)
    expect(page.locator("#ticket-pane .message.outbound").last).to_contain_text("We will re-read your meter.")
    expect(page).to_have_url(re.compile(rf"/\?ticket={ticket.pk}$"))
    expect(page.locator("#queue-rows")).to_be_visible()


def test_a_drafts_private_reply_choice_comes_back_with_it(logged_in_page, live_server, agent, twitter):
    from tests.factories import inbound

    ingest(twitter, [inbound(text="@utility my power is out")])
    ticket = Ticket.objects.get()
    page = logged_in_page(agent)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.get_by_label("Answer").select_option("private")
    page.get_by_label(re.compile("Reply to")).fill("Could you send us your account number?")
    page.reload()
    expect(page.get_by_label(re.compile("Reply to"))).to_have_value("Could you send us your account number?")
    expect(page.get_by_label("Answer")).to_have_value("private")


def test_in_the_pane_n_and_ctrl_enter_add_an_internal_note_never_a_reply(
    logged_in_page, live_server, agent, mailbox
):
    ingest(mailbox, [email(subject="Bill higher than usual")])
    ticket = Ticket.objects.get()
    page = logged_in_page(agent)
    page.goto(f"{live_server.url}/?ticket={ticket.pk}")
    expect(page.locator("#ticket-pane h1")).to_contain_text("Bill higher than usual")
    page.keyboard.press("n")
    send = page.locator("#ticket-pane").get_by_role("button", name="Send", exact=True)
    expect(send).to_be_hidden()  # writing a note, nothing sends to the customer by mistake
    page.locator("#ticket-pane").get_by_role("button", name="Write a reply instead").click()
    expect(send).to_be_visible()
    page.keyboard.press("Escape")  # out of the composer, back to the shortcuts
    page.keyboard.press("n")
    page.keyboard.type("Check the substation logs")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#ticket-pane .message.note")).to_contain_text("Check the substation logs")
    assert list(ticket.messages.exclude(direction="inbound").values_list("direction", flat=True)) == ["note"]


def test_in_the_pane_a_failed_send_says_so_and_keeps_the_draft(logged_in_page, live_server, agent, mailbox):
    ingest(mailbox, [email(subject="Bill higher than usual")])
    ticket = Ticket.objects.get()
    pk = ticket.pk
    page = logged_in_page(agent)
    page.goto(f"{live_server.url}/?ticket={pk}")
    composer = page.get_by_label(re.compile("Reply to Maria Lopez"))
    composer.fill("We will re-read your meter.")
    Ticket.objects.filter(pk=ticket.pk).update(status="resolved")
    ticket.messages.all().delete()
    ticket.delete()  # gone meanwhile (an admin merged or removed it)

    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#ticket-pane .pane-error")).to_have_text("This ticket is no longer there.")
    expect(composer).to_have_value("We will re-read your meter.")
    page.reload()  # the draft is still stored: nothing said it was sent
    assert page.evaluate(f"localStorage.getItem('oss-inbox-draft-{pk}')") == "We will re-read your meter."


def _send_too_long_for_x(page, twitter, address):
    """A mention's ticket opened at `address` (formatted with its id), and a 300-character reply sent."""
    from tests.factories import inbound

    ingest(twitter, [inbound(text="@utility my power is out")])
    ticket = Ticket.objects.get()
    page.goto(address.format(ticket.pk))
    page.get_by_label(re.compile("Reply to")).fill("x" * 300)
    page.get_by_role("button", name="Send", exact=True).click()
    return ticket


def test_in_the_pane_a_reply_too_long_for_x_is_refused_beside_the_queue(
    logged_in_page, live_server, agent, twitter, settings
):
    settings.DEBUG = True  # as under `make run`, where django-htmx's debug script shows 400s as whole pages
    page = logged_in_page(agent)
    ticket = _send_too_long_for_x(page, twitter, live_server.url + "/?ticket={}")
    expect(page.locator("#ticket-pane").get_by_role("alert")).to_contain_text("too long")
    expect(page.locator("#queue-rows")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/\?ticket={ticket.pk}$"))
    expect(page.get_by_label(re.compile("Reply to"))).to_have_value("x" * 300)
    assert not ticket.messages.filter(direction="outbound").exists()


def test_on_the_tickets_own_page_a_refused_reply_keeps_the_tickets_address(
    logged_in_page, live_server, agent, twitter
):
    page = logged_in_page(agent)
    ticket = _send_too_long_for_x(page, twitter, live_server.url + "/tickets/{}/")
    expect(page.get_by_role("alert")).to_contain_text("too long")
    expect(page).to_have_url(f"{live_server.url}/tickets/{ticket.pk}/")
    page.reload()  # a GET of the ticket, not a 405 for the compose address
    expect(page.get_by_label(re.compile("Reply to"))).to_have_value("x" * 300)  # the draft, from the browser
