"""On PostgreSQL outside a transaction the import writes each chunk on a second connection while it
reads the next, and --rebuild-indexes takes the foreign keys and full-text indexes off meanwhile:
a chunk is still all there or not at all, and the database ends as it was, search included."""

import pytest
from django.db import connection
from django.db.models import Count

from oss_inbox.importing.indexes import indexes_restore_if_left
from oss_inbox.importing.models import DroppedIndex, ImportedTicket
from oss_inbox.tickets.models import Message, Ticket, TicketSearch
from oss_inbox.tickets.services import history_import
from oss_inbox.tickets.services.history_copy import SendFailed

from .conftest import write_export

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TICKETS = 23


@pytest.fixture
def export(tmp_path):
    return write_export(
        tmp_path / "history.csv",
        TICKETS,
        customer=lambda number: f"c{number % 7}@example.com",  # customers come back in later chunks
        status=lambda number: "open" if number % 5 == 0 else "solved",
        asks="Crew {} wanted",
        answer="Crew {} sent",
    )


@pytest.fixture
def schema(transactional_db):
    """The history tables' indexes, constraints and triggers; put back if a test left them down."""
    yield _schema
    indexes_restore_if_left(_Out())


def _schema():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename LIKE 'tickets_%' ORDER BY 1")
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text LIKE 'tickets_%' ORDER BY 1, 2"
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid::regclass::text LIKE 'tickets_%' "
            "AND NOT tgisinternal ORDER BY 1"
        )
        return indexes, constraints, cursor.fetchall()


class _Out:
    def write(self, text):
        pass


class Crash(Exception):
    pass


def crash_on_chunk(monkeypatch, number):
    sent = {"events": 0}
    real_send = history_import.HistoryWriter._send

    def crashing_send(self, cursor, table, columns, rows):
        real_send(self, cursor, table, columns, rows)
        if table == "tickets_ticketevent":
            sent["events"] += 1
            if sent["events"] == number:  # its tickets and messages are sent, not committed
                raise Crash("the connection dropped here")

    monkeypatch.setattr(history_import.HistoryWriter, "_send", crashing_send)
    return real_send


def assert_every_ticket_once():
    assert Ticket.objects.count() == TICKETS == ImportedTicket.objects.count()
    texts = Message.objects.values("text").annotate(n=Count("id"))
    assert texts.count() == 2 * TICKETS and {row["n"] for row in texts} == {1}


def test_a_chunk_failing_on_the_second_connection_stops_the_import_and_a_rerun_finishes_it(
    run_import, export, monkeypatch, schema
):
    real_send = crash_on_chunk(monkeypatch, 3)
    with pytest.raises(SendFailed) as failed:
        run_import("--csv", str(export), "--chunk-size", "5")
    assert isinstance(failed.value.__cause__, Crash)
    # Chunks one and two are in, the third was rolled back whole, the fourth (already read and
    # prepared) was never sent.
    assert Ticket.objects.count() == 10 == ImportedTicket.objects.count()

    monkeypatch.setattr(history_import.HistoryWriter, "_send", real_send)
    out, _ = run_import("--csv", str(export), "--chunk-size", "4")
    assert f"Imported {TICKETS - 10} tickets" in out and "10 tickets were imported before" in out
    assert_every_ticket_once()
    # A customer first met in a chunk still in flight got one contact, not one per chunk.
    assert Ticket.objects.values("contact").distinct().count() == 7


def test_rebuild_indexes_puts_back_every_index_constraint_and_trigger_and_search_works(
    run_import, export, schema
):
    before = schema()
    out, err = run_import("--csv", str(export), "--chunk-size", "5", "--rebuild-indexes")
    assert f"Imported {TICKETS} tickets" in out and "Rebuilt" in err
    assert schema() == before and not DroppedIndex.objects.exists()
    assert_every_ticket_once()
    # The open tickets' search rows (the paused trigger's work) and the messages' full-text index.
    assert set(TicketSearch.objects.values_list("ticket_id", flat=True)) == set(
        Ticket.objects.exclude(status="resolved").values_list("pk", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM tickets_message WHERE to_tsvector('english', "
            "COALESCE(left(text, 100000), '')) @@ plainto_tsquery('english', 'crew 7 sent')"
        )
        assert cursor.fetchone()[0] == 1


def test_an_import_cut_off_with_the_indexes_down_is_finished_by_the_next_run(
    run_import, export, monkeypatch, schema
):
    before = schema()
    real_send = crash_on_chunk(monkeypatch, 2)
    with pytest.raises(SendFailed):
        run_import("--csv", str(export), "--chunk-size", "5", "--rebuild-indexes")
    assert DroppedIndex.objects.exists() and schema() != before  # as after a kill -9

    monkeypatch.setattr(history_import.HistoryWriter, "_send", real_send)
    out, err = run_import("--csv", str(export), "--chunk-size", "5")
    assert "Rebuilding the indexes an interrupted import dropped" in err
    assert schema() == before and not DroppedIndex.objects.exists()
    assert_every_ticket_once()
