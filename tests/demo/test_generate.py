"""bench/generate.py: a large, consistent history in batches, on top of whatever is there."""

import io
from datetime import timedelta

import pytest
from django.db.models import Count

from bench.generate import generate
from oss_inbox.tickets.models import Contact, Identity, Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def history():
    out = io.StringIO()
    counts = generate(300, seed=3, batch_size=100, out=out)
    return counts, out.getvalue()


def test_counts_and_rates_are_reported(history):
    counts, output = history
    assert Ticket.objects.count() == counts[Ticket] == 300
    # About one customer per three tickets (those who wrote), one identity each, as counted.
    assert Contact.objects.count() == Identity.objects.count() == counts[Contact]
    assert 60 <= counts[Contact] <= 100
    assert 2.5 <= Message.objects.count() / 300 <= 4
    # The timeline as ingest writes it: the rows say when a ticket opened and who wrote; the
    # resolution is an entry of its own.
    assert not TicketEvent.objects.filter(kind__in=["created", "message_in"]).exists()
    resolved = Ticket.objects.filter(status="resolved").count()
    assert TicketEvent.objects.filter(kind="status", data__to="resolved").count() == resolved
    assert "tickets/s" in output and "rows/s" in output


def test_about_two_percent_are_open_and_the_rest_resolved(history):
    open_tickets = Ticket.objects.exclude(status="resolved").count()
    assert 1 <= open_tickets <= 15
    assert not Ticket.objects.filter(status="resolved", resolved_at=None).exists()


def test_sla_fields_are_consistent(history):
    for ticket in Ticket.objects.all():
        assert ticket.first_response_due_at == ticket.created_at + timedelta(hours=24)
        if ticket.status in ("new", "open"):
            assert ticket.sla_due_at is not None, ticket.pk
        else:
            assert ticket.sla_due_at is None
    assert not Ticket.objects.filter(status="new").exclude(first_response_at=None).exists()
    assert not Ticket.objects.exclude(status="new").filter(first_response_at=None).exists()
    assert set(Ticket.objects.filter(status="pending").values_list("sla_state", flat=True)) <= {"paused"}


def test_external_ids_are_unique_per_account(history):
    duplicates = (
        Message.objects.exclude(external_id=None)
        .values("account", "external_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    assert not Message.objects.filter(direction="note").exclude(external_id=None).exists()


def test_runs_again_on_top_of_existing_rows(history):
    generate(50, seed=4, batch_size=20, out=io.StringIO())
    assert Ticket.objects.count() == 350
    assert Identity.objects.values("kind", "external_id").distinct().count() == Identity.objects.count()
