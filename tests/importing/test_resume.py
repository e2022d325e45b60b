"""An import cut off midway (a crash in the middle of a chunk) and run again: every ticket once."""

import pytest
from django.db.models import Count

from oss_inbox.importing.models import ImportedTicket
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import history_import

from .conftest import write_export

pytestmark = pytest.mark.django_db

TICKETS = 23


@pytest.fixture
def export(tmp_path):
    return write_export(
        tmp_path / "history.csv",
        TICKETS,
        customer=lambda number: f"c{number}@example.com",
        status=lambda _: "solved",
    )


class Crash(Exception):
    pass


def test_a_crash_mid_chunk_then_a_rerun_gives_every_ticket_exactly_once(run_import, export, monkeypatch):
    sent = {"events": 0}
    real_send = history_import.HistoryWriter._send

    def crashing_send(self, cursor, table, columns, rows):
        real_send(self, cursor, table, columns, rows)
        if table == "tickets_ticketevent":
            sent["events"] += 1
            if sent["events"] == 3:  # the third chunk: its tickets and messages are written, not committed
                raise Crash("the process died here")

    monkeypatch.setattr(history_import.HistoryWriter, "_send", crashing_send)
    with pytest.raises(Crash):
        run_import("--csv", str(export), "--chunk-size", "5")
    assert Ticket.objects.count() == 10  # two chunks committed, the third rolled back whole
    assert ImportedTicket.objects.count() == 10

    monkeypatch.setattr(history_import.HistoryWriter, "_send", real_send)
    out, _ = run_import("--csv", str(export), "--chunk-size", "7")  # another chunk size: still once each
    assert f"Imported {TICKETS - 10} tickets" in out and "10 tickets were imported before" in out
    assert Ticket.objects.count() == TICKETS
    texts = Message.objects.values("text").annotate(n=Count("id"))
    assert texts.count() == 2 * TICKETS and {row["n"] for row in texts} == {1}
    assert sorted(ImportedTicket.objects.values_list("external_id", flat=True)) == sorted(
        f"T{number}" for number in range(1, TICKETS + 1)
    )
