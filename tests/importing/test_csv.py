"""import_history --csv: a utility's export, with what real exports hold, becomes tickets as if
handled here."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model

from oss_inbox.importing.models import ImportedTicket
from oss_inbox.tickets.models import Contact, Identity, Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

# UTF-8 with a BOM (Excel's "CSV UTF-8"), Windows line ends, a quoted newline, an emoji, an extra
# column, no priority/assignee/tags columns on purpose for the second file, a bad date.
EXPORT = (
    "\ufeffTicket ID,Message time,Direction,Body,Requester,Requester name,Channel,Status,Assignee,"
    "Tags,Ticket created at,Solved at,Satisfaction\r\n"
    '101,2025-03-01 09:00,customer,"Power is out on Elm St\r\nsince 8am 😟",Kim@Example.com,Kim Jones,'
    'email,solved,dana,"outage, elm-st",2025-03-01 08:59,2025-03-01 11:00,good\r\n'
    "101,2025-03-01 09:30,agent,A crew is on the way.,Kim@Example.com,,email,solved,dana,,,,\r\n"
    "101,2025-03-01 09:31,internal,Crew 7 assigned,Kim@Example.com,,email,solved,dana,,,,\r\n"
    "102,yesterday-ish,customer,lost row,@bob_utility,Bob,twitter,open,,,,,\r\n"
    "102,2025-03-02T10:00:00Z,customer,My bill doubled?,@bob_utility,Bob,twitter,open,,,,,\r\n"
)


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "zendesk-export.csv"
    path.write_bytes(EXPORT.encode("utf-8"))
    return path


def test_each_ticket_its_messages_customer_and_timeline(run_import, export):
    out, _ = run_import("--csv", str(export), "--time-zone", "America/Chicago")
    assert "Imported 2 tickets (4 messages" in out

    kim = Identity.objects.get(kind="email", external_id="kim@example.com")
    assert kim.contact.name == "Kim Jones"
    ticket = Ticket.objects.get(contact=kim.contact)
    assert ticket.status == "resolved" and ticket.account.kind == "email"
    assert ticket.subject == "Power is out on Elm St"  # no subject column: the first line
    # 09:00 in Chicago is 15:00 UTC; the ticket opened a minute before its first message.
    assert ticket.created_at == datetime(2025, 3, 1, 14, 59, tzinfo=UTC)
    assert ticket.first_response_at == datetime(2025, 3, 1, 15, 30, tzinfo=UTC)
    assert ticket.resolved_at == datetime(2025, 3, 1, 17, 0, tzinfo=UTC)
    assert ticket.assignee.username == "dana" and not ticket.assignee.is_active
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["elm-st", "outage"]

    first, reply, note = ticket.messages.order_by("sent_at")
    assert first.text == "Power is out on Elm St\nsince 8am 😟" and first.direction == "inbound"
    assert first.author_identity == kim and first.raw == {"columns": {"Satisfaction": "good"}}
    assert (reply.direction, reply.author_user, reply.delivery_state) == ("outbound", ticket.assignee, "sent")
    assert note.direction == "note" and note.kind == "note"
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    # As ingest writes it: the ticket and message rows say when it opened and who wrote.
    assert kinds == ["tagged", "claimed", "status", "replied", "note", "status"]
    assert TicketEvent.objects.filter(ticket=ticket, kind="status").last().data == {
        "from": "open",
        "to": "resolved",
    }


def test_sla_fields_as_the_services_leave_them(run_import, export):
    run_import("--csv", str(export))
    solved = Ticket.objects.get(status="resolved")
    # Answered within the day: the promise was kept; nothing runs on a resolved ticket.
    assert solved.first_response_due_at == solved.created_at + timedelta(hours=24)
    assert solved.first_response_at < solved.first_response_due_at
    assert solved.sla_due_at is None and solved.sla_state == "met"
    waiting = Ticket.objects.get(status="open")
    assert waiting.first_response_at is None
    assert waiting.sla_due_at == waiting.created_at + timedelta(hours=24)
    assert waiting.sla_state == "breached"  # a year and more unanswered


def test_bad_rows_are_reported_with_file_and_line_and_the_rest_imported(run_import, export):
    out, _ = run_import("--csv", str(export))
    assert (
        "zendesk-export.csv:6: message_time: 'yesterday-ish' is not a date and time "
        "(write 2025-03-01 14:05 or ISO 8601); the row is left out" in out
    )
    assert "columns not in the format, kept with each message's raw data: Satisfaction" in out
    bob = Ticket.objects.get(contact__identities__external_id="@bob_utility")
    assert list(bob.messages.values_list("text", flat=True)) == ["My bill doubled?"]
    assert bob.account.kind == "twitter" and bob.messages.get().kind == "mention"


def test_windows_1252_from_excel_and_missing_optional_columns(run_import, tmp_path):
    path = tmp_path / "freshdesk.csv"
    text = (
        "ticket_id,message_time,body,customer\r\n"
        '7,03/04/2025 08:15,"Café on Main St – the meter reads “0000”, it’s wrong.",anne@example.com\r\n'
    )
    path.write_bytes(text.encode("cp1252"))
    out, _ = run_import("--csv", str(path))
    assert "Imported 1 tickets" in out
    message = Message.objects.get()
    assert message.text == "Café on Main St – the meter reads “0000”, it’s wrong."
    ticket = message.ticket
    assert ticket.status == "resolved" and ticket.priority == 1 and ticket.assignee is None
    assert not ticket.tags.exists()


def test_a_file_without_the_required_columns_imports_nothing_and_says_which(run_import, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("id,when,what\n1,2025-01-01,hello\n")
    out, _ = run_import("--csv", str(path))
    assert "wrong.csv:1: the header has no ticket_id, message_time, body column" in out
    assert not Ticket.objects.exists()


def test_a_tickets_rows_apart_from_each_other_are_reported(run_import, tmp_path):
    path = tmp_path / "unsorted.csv"
    path.write_text(
        "ticket_id,message_time,body,customer\n"
        "1,2025-01-01 10:00,first,a@example.com\n"
        "2,2025-01-01 11:00,other,b@example.com\n"
        "1,2025-01-01 12:00,late,a@example.com\n"
    )
    out, _ = run_import("--csv", str(path))
    assert "unsorted.csv:4: ticket 1 has rows apart from its others (which end at line 2)" in out
    assert Ticket.objects.count() == 2 and not Message.objects.filter(text="late").exists()


def test_running_the_same_import_again_adds_nothing(run_import, export):
    run_import("--csv", str(export))
    counts = [model.objects.count() for model in (Ticket, Message, TicketEvent, Contact, Identity)]
    out, _ = run_import("--csv", str(export))
    assert "Imported 0 tickets" in out and "2 tickets were imported before: left as they are." in out
    assert [model.objects.count() for model in (Ticket, Message, TicketEvent, Contact, Identity)] == counts
    assert ImportedTicket.objects.filter(source="csv:zendesk-export.csv").count() == 2
    assert get_user_model().objects.filter(username="dana").count() == 1


def test_a_customer_known_here_keeps_their_contact(run_import, export):
    contact = Contact.objects.create(name="Kim J.")
    Identity.objects.create(contact=contact, kind="email", external_id="kim@example.com")
    run_import("--csv", str(export))
    assert Ticket.objects.get(status="resolved").contact == contact
    assert Contact.objects.count() == 2  # Kim (already here) and Bob
