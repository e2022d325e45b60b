"""Quarterly updates: the due rule, the prefilled draft, and the update delivered to the contacts."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from oss_inbox.keyaccounts.mail import ACCOUNT_MAIL_OUTBOX
from oss_inbox.keyaccounts.models import AccountEvent, AccountMail, JointPlan, PlanItem, ProgressUpdate
from oss_inbox.keyaccounts.quarters import Quarter, next_update_due, quarter_to_report, update_state
from oss_inbox.keyaccounts.updates import quarter_figures, update_draft, update_send
from oss_inbox.tickets.models import Contact, Ticket
from oss_inbox.tickets.tasks import deliver

pytestmark = pytest.mark.django_db

UTC = UTC
DRAFTED = datetime(2026, 10, 2, 15, 0, tzinfo=UTC)  # Q3 2026 ended two days ago


# ---- the due rule --------------------------------------------------------------------------------


def test_a_quarter_update_is_due_the_day_after_the_quarter_ends_and_overdue_fifteen_days_later():
    q3 = Quarter(2026, 3)
    assert (q3.first_day, q3.last_day, q3.update_due_on) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
        date(2026, 10, 15),
    )
    assert update_state(q3, date(2026, 9, 30)) == "not_yet"
    assert update_state(q3, date(2026, 10, 1)) == "due"
    assert update_state(q3, date(2026, 10, 15)) == "due"
    assert update_state(q3, date(2026, 10, 16)) == "overdue"


def test_the_fourth_quarter_is_reported_in_january_of_the_next_year():
    assert quarter_to_report(date(2027, 1, 3)) == Quarter(2026, 4)
    assert Quarter(2026, 4).update_due_on == date(2027, 1, 15)
    assert Quarter(2027, 1).previous() == Quarter(2026, 4)


def test_the_next_update_due_is_the_ended_quarter_until_it_is_sent_then_the_running_one():
    today = date(2026, 11, 23)
    assert next_update_due(today, set()) == (Quarter(2026, 3), date(2026, 10, 15), True)
    assert next_update_due(today, {Quarter(2026, 3)}) == (Quarter(2026, 4), date(2027, 1, 15), False)


# ---- the draft -----------------------------------------------------------------------------------


def at(*args):
    return datetime(*args, tzinfo=UTC)


def ticket(
    account, person, created_at, *, answered_after=None, due_after=timedelta(hours=4), resolved_at=None
):
    return Ticket.objects.create(
        account=account, contact=person, thread_key=f"email:{created_at.isoformat()}-{person.pk}",
        subject="Feeder 12", created_at=created_at, status="resolved" if resolved_at else "open",
        first_response_at=created_at + answered_after if answered_after else None,
        first_response_due_at=created_at + due_after, resolved_at=resolved_at,
    )  # fmt: skip


@pytest.fixture
def q3_tickets(hospital, plant, sending_mailbox):
    jo = Contact.objects.get(name="Jo Engineer")
    ticket(
        sending_mailbox,
        jo,
        at(2026, 7, 10, 12),
        answered_after=timedelta(hours=2),
        resolved_at=at(2026, 7, 11),
    )
    ticket(
        sending_mailbox,
        jo,
        at(2026, 8, 5, 12),
        answered_after=timedelta(hours=10),
        resolved_at=at(2026, 10, 3),
    )
    ticket(sending_mailbox, jo, at(2026, 9, 20, 12))  # never answered: late once its due time passed
    ticket(
        sending_mailbox,
        jo,
        at(2026, 6, 30, 12),
        answered_after=timedelta(hours=1),
        resolved_at=at(2026, 7, 2),
    )
    # 30 September, 11 pm in Chicago: still the third quarter for the team, though October in UTC.
    ticket(sending_mailbox, jo, at(2026, 10, 1, 4), answered_after=timedelta(hours=1))
    ticket(sending_mailbox, Contact.objects.get(name="Ray Operator"), at(2026, 8, 1, 12))  # another account


def test_the_quarter_figures_count_the_account_tickets_of_the_team_calendar_quarter(hospital, q3_tickets):
    figures = quarter_figures(hospital, Quarter(2026, 3))

    assert (figures.opened, figures.resolved) == (4, 2)
    assert (figures.first_responses_on_time, figures.first_responses_due, figures.on_time_percent) == (
        2,
        4,
        50,
    )
    assert figures.median_first_response == timedelta(hours=2)  # of 2 h, 10 h and 1 h


@pytest.fixture
def plan(hospital, agent):
    last = ProgressUpdate.objects.create(
        organization=hospital, year=2026, quarter=2, subject="Q2", body="...", status="sent",
        author=agent, sent_at=at(2026, 7, 5),
    )  # fmt: skip
    plan = JointPlan.objects.create(organization=hospital, year=2026)
    items = {
        "done_since": ("Dedicated feeder for the MRI suite", "done", None, at(2026, 8, 1)),
        "doing_since": ("Quarterly outage drill", "in_progress", date(2026, 12, 1), at(2026, 9, 1)),
        "done_before": ("Named contact in the control room", "done", None, at(2026, 6, 1)),
        "at_risk": ("Backup generator survey", "at_risk", date(2026, 11, 30), at(2026, 5, 1)),
        "overdue": ("Meter data portal access", "planned", date(2026, 8, 1), at(2026, 4, 1)),
    }
    for text, status, due, changed in items.values():
        item = PlanItem.objects.create(
            plan=plan, text=text, status=status, due_date=due, owner_name="Grid ops"
        )
        PlanItem.objects.filter(pk=item.pk).update(updated_at=changed)
    return last


def test_the_draft_tells_what_changed_in_the_plan_since_the_last_update_and_the_quarter_figures(
    hospital, agent, plan, q3_tickets
):
    update = update_draft(hospital, 2026, 3, agent, now=DRAFTED)

    assert update.status == "draft" and update.author == agent
    assert update.subject == "St. Mary's Hospital: progress update for Q3 2026"
    body = update.body
    assert "progress update for Q3 2026 (July–September 2026)" in body
    assert "What we did\n- Dedicated feeder for the MRI suite (Grid ops)\n" in body
    assert "In progress\n- Quarterly outage drill (Grid ops, due 1 Dec 2026)\n" in body
    assert "At risk\n- Backup generator survey (Grid ops, due 30 Nov 2026)\n" in body
    assert "Overdue\n- Meter data portal access (Grid ops, due 1 Aug 2026)\n" in body
    assert "Named contact in the control room" not in body  # done before the last update: already told
    assert "- Tickets opened: 4\n- Tickets resolved: 2\n" in body
    assert "- First responses within our promise: 50% (2 of 4)\n" in body
    assert "- Median time to first response: 2 h\n" in body
    assert body.endswith("Kind regards,\nDana\nAccount manager for St. Mary's Hospital")


def test_writing_the_update_again_opens_the_same_draft_with_the_managers_edits(hospital, agent, plan):
    update = update_draft(hospital, 2026, 3, agent, now=DRAFTED)
    update.body = "Edited by hand."
    update.save()

    assert update_draft(hospital, 2026, 3, agent, now=DRAFTED).body == "Edited by hand."
    assert ProgressUpdate.objects.filter(organization=hospital, year=2026, quarter=3).count() == 1


# ---- sending -------------------------------------------------------------------------------------


def test_a_sent_update_reaches_the_chosen_contacts_over_smtp_and_stays_on_the_timeline(
    hospital, agent, sending_mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    update = update_draft(hospital, 2026, 3, agent, now=DRAFTED)
    jo = Contact.objects.get(name="Jo Engineer")

    with django_capture_on_commit_callbacks() as callbacks:
        mails = update_send(update, user=agent)  # every contact with an email address: Jo and Pat
    assert len(callbacks) == len(mails)
    for mail in mails:
        deliver(ACCOUNT_MAIL_OUTBOX, mail.pk)

    update.refresh_from_db()
    assert update.status == "sent" and update.sent_at is not None
    letters = sorted((found.rcpt_tos[0], found.message()) for found in smtp_sink.received)
    assert [address for address, _ in letters] == ["jo@stmarys.example", "pat@stmarys.example"]
    assert all(letter["Subject"] == update.subject for _, letter in letters)
    assert "Tickets opened" in letters[0][1].get_content()
    assert set(
        AccountMail.objects.filter(progress_update=update).values_list("delivery_state", flat=True)
    ) == {"sent"}
    event = AccountEvent.objects.get(organization=hospital, kind="update")
    assert (event.actor, event.summary) == (agent, "Q3 2026 update sent to 2 contacts")
    assert update_send(update, [jo], agent) == []  # sending twice sends nothing more


# ---- the pages -----------------------------------------------------------------------------------


def test_the_manager_writes_reviews_and_sends_the_update_from_the_pages(
    client, hospital, agent, sending_mailbox, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    write = reverse("keyaccounts:update_write", args=[hospital.pk])
    response = client.post(write, {"year": 2026, "quarter": 3})
    update = ProgressUpdate.objects.get(organization=hospital, year=2026, quarter=3)
    assert response.url == reverse("keyaccounts:update", args=[update.pk])

    page = client.get(response.url).content.decode()
    assert "Tickets opened: 0" in page
    assert page.count('name="recipients"') == 2 and page.count("checked") == 2  # every contact with email
    assert "Social only" not in page

    jo = Contact.objects.get(name="Jo Engineer")
    form = {"subject": "Our Q3 together", "body": "Hello Jo,\n\nAll done.\n", "recipients": [jo.pk]}
    review = client.post(response.url, {**form, "action": "review"}).content.decode()
    assert "Send the Q3 2026 update to St. Mary&#x27;s Hospital?" in review and "jo@stmarys.example" in review
    assert "pat@stmarys.example" not in review

    with django_capture_on_commit_callbacks():
        sent = client.post(response.url, {**form, "action": "send"})
    update.refresh_from_db()
    assert (update.status, update.subject, update.body) == (
        "sent",
        "Our Q3 together",
        "Hello Jo,\n\nAll done.",
    )
    assert list(AccountMail.objects.values_list("address", flat=True)) == ["jo@stmarys.example"]
    final = client.get(sent.url).content.decode()
    assert "Queued" in final and "<textarea" not in final  # read-only once sent


def test_sending_needs_a_recipient(client, hospital, agent, sending_mailbox):
    client.force_login(agent)
    update = update_draft(hospital, 2026, 3, agent, now=DRAFTED)
    page = client.post(
        reverse("keyaccounts:update", args=[update.pk]), {"subject": "S", "body": "B", "action": "review"}
    )
    assert "Choose at least one contact" in page.content.decode()
    assert ProgressUpdate.objects.get(pk=update.pk).status == "draft"


def test_only_the_account_managers_and_admins_write_updates(
    client, hospital, agent, supervisor, outsider, admin_user
):
    update = update_draft(hospital, 2026, 3, agent, now=DRAFTED)
    page = reverse("keyaccounts:update", args=[update.pk])
    write = reverse("keyaccounts:update_write", args=[hospital.pk])
    for user, status in ((supervisor, 403), (outsider, 403), (admin_user, 200)):
        client.force_login(user)
        assert client.get(page).status_code == status
        assert client.post(write, {"year": 2026, "quarter": 3}).status_code == (302 if status == 200 else 403)


def test_the_updates_panel_lists_past_updates_and_offers_the_next_to_its_manager(
    hospital, agent, supervisor, plan
):
    def panel(user):
        return render_to_string("keyaccounts/_updates_panel.html", {"organization": hospital, "user": user})

    mine = panel(agent)
    # 5 July 00:00 UTC is the 4th in Chicago (the app's date style, its full form on hover).
    assert "Q2 2026</a> —\n      sent <time " in mine and 'title="Sat, Jul 4, 2026, 7:00 PM CDT"' in mine
    assert "</time> by Dana" in mine
    assert "Write Q" in mine and "Next update: <strong>Q" in mine
    assert "Write Q" not in panel(supervisor)  # supervisors watch; the managers write


def test_a_ticket_of_the_quarter_under_way_still_inside_its_target_is_not_late(hospital, sending_mailbox):
    opened = at(2026, 11, 23, 15)
    ticket(sending_mailbox, Contact.objects.get(name="Jo Engineer"), opened)  # due four hours later
    figures = quarter_figures(hospital, Quarter(2026, 4), now=opened + timedelta(hours=1))
    assert (figures.opened, figures.first_responses_on_time, figures.first_responses_due) == (1, 0, 0)
    figures = quarter_figures(hospital, Quarter(2026, 4), now=opened + timedelta(hours=5))
    assert (figures.first_responses_on_time, figures.first_responses_due) == (0, 1)
