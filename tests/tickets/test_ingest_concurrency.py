"""Two workers ingesting overlapping batches at the same moment, on two real PostgreSQL connections."""

import threading

import pytest
from django.db import connections

from oss_inbox.tickets.models import Contact, Identity, Message, Ticket, UnprocessedItem
from oss_inbox.tickets.services import ingest

from ..factories import account, author, email, inbound

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(*jobs):
    """Start every job at the same instant, each in its own thread with its own connection."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait()
            job()
        except Exception as error:  # surfaced below, with the thread's failure
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_overlapping_batches_from_two_connections_store_each_item_once():
    twitter = account("twitter")
    customers = [author(str(900 + n), f"user{n}", f"User {n}") for n in range(20)]
    items = [
        inbound(external_id=str(5000 + n), thread_key=f"x:{5000 + n}:{who.external_id}", who=who, minutes=n)
        for n, who in enumerate(customers * 2)
    ]
    first, second = items[:30], items[10:]  # 20 items in common

    for _ in range(3):  # the race is real; give it a few chances to bite
        run_concurrently(
            lambda: ingest(twitter, first, {"since_id": "1"}),
            lambda: ingest(twitter, second, {"since_id": "2"}),
        )

    assert Message.objects.count() == 40
    assert Ticket.objects.count() == 40
    assert Contact.objects.count() == 20 and Identity.objects.count() == 20
    assert not UnprocessedItem.objects.exists()


def test_one_customer_writing_to_two_mailboxes_at_once_is_one_contact():
    mailboxes = [account("email", name="billing"), account("email", name="outages")]
    jobs = [
        (lambda box=box, n=n: ingest(box, [email(message_id=f"m{n}@mail.example", sender="pat@example.org")]))
        for n, box in enumerate(mailboxes)
    ]
    run_concurrently(*jobs)
    assert Contact.objects.count() == 1
    assert Ticket.objects.count() == 2
    assert not UnprocessedItem.objects.exists()
