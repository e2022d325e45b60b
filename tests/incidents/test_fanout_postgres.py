"""Two workers on one broadcast, on PostgreSQL: they share the deliveries (SELECT ... FOR UPDATE SKIP
LOCKED) and every customer still gets exactly one reply. Two real connections, one per thread."""

import itertools
import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from oss_inbox.incidents import fanout
from oss_inbox.incidents.fanout import broadcast_send, fanout_run
from oss_inbox.incidents.models import Area, Incident, IncidentDelivery, IncidentTicket
from oss_inbox.tickets.models import Message
from oss_inbox.tickets.services import ingest

from .. import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CUSTOMERS = 40
_numbers = itertools.count(9000)


def in_a_thread(work, results):
    def run():
        try:
            results.append(work())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_workers_share_a_broadcast_and_each_customer_gets_one_reply(twitter, supervisor, monkeypatch):
    monkeypatch.setattr(fanout, "_ask_worker", lambda update_id: None)
    now = timezone.now()
    area = Area.objects.create(name="Harlan North", key="harlan north")
    incident = Incident.objects.create(
        title="Feeder 12", area=area, status="crews_working", created_at=now, confirmed_at=now
    )
    items = []
    for _ in range(CUSTOMERS):
        number = next(_numbers)
        item = factories.inbound(who=factories.author(external_id=str(number), name="Pat Quinn"))
        items.append(type(item)(**{**item.__dict__, "sent_at": now - timedelta(minutes=30)}))
    ingest(twitter, items)
    IncidentTicket.objects.bulk_create(
        IncidentTicket(incident=incident, ticket_id=message.ticket_id, linked_by="detector", linked_at=now)
        for message in Message.objects.filter(direction="inbound")
    )
    update = broadcast_send(incident=incident, text="Crews are on site in {{area}}.", author=supervisor)

    handled = []
    workers = [in_a_thread(lambda: fanout_run(update.pk), handled) for _ in range(2)]
    for worker in workers:
        worker.join(60)

    assert sum(handled) == CUSTOMERS
    replies = Message.objects.filter(direction="outbound")
    assert replies.count() == CUSTOMERS
    assert replies.values("ticket_id").distinct().count() == CUSTOMERS
    assert set(IncidentDelivery.objects.values_list("state", flat=True)) == {"queued"}
    update.refresh_from_db()
    assert update.fanned_out_at is not None
