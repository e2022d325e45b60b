"""Exactly one survey per ticket, whatever the workers do: run twice, a lost send task, two workers."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from oss_inbox.surveys.models import Survey
from oss_inbox.surveys.sending import survey_send
from oss_inbox.tickets.models import Message
from oss_inbox.tickets.services.outbox import outbox_deliver, outbox_sweep
from tests import factories

from .world import DUE, answer_and_resolve, send_due, ticket_from


def test_beat_running_twice_sends_one_survey(mail, smtp_sink, agent):
    ticket = ticket_from(mail, factories.email())
    answer_and_resolve(ticket, agent)

    [survey] = send_due()
    assert send_due() == [] and send_due(after=DUE * 10) == []

    assert Survey.objects.count() == 1
    assert Message.objects.filter(ticket=ticket, context__has_key="survey").count() == 1


def test_a_lost_send_task_is_sent_by_the_sweeper_once(mail, smtp_sink, agent):
    """The worker died after the commit, before sending: the outbox has the survey queued."""
    answer_and_resolve(ticket_from(mail, factories.email()), agent)
    [survey] = send_due()
    assert survey.message.delivery_state == "queued"

    due = outbox_sweep()["reply"]["send"]
    assert survey.message_id in due
    states = [outbox_deliver("reply", survey.message_id), outbox_deliver("reply", survey.message_id)]

    assert states == ["sent", None]  # the second worker finds it claimed
    assert len(smtp_sink.received) == 1
    assert send_due() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_make_one_survey(smtp_sink, agent):
    from .world import mail_account

    mail = mail_account(smtp_sink)
    ticket = ticket_from(mail, factories.email())
    answer_and_resolve(ticket, agent)
    now = timezone.now() + DUE
    results, barrier = [], threading.Barrier(2)

    def worker():
        barrier.wait()
        try:
            results.append(survey_send(ticket.pk, now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(result is None for result in results) == [False, True]
    assert Survey.objects.count() == 1
    assert Message.objects.filter(ticket=ticket, context__has_key="survey").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_page_answer_waits_for_an_ingest_holding_the_ticket_instead_of_deadlocking(smtp_sink, agent):
    """Ingest recording a Messenger tap locks the ticket, then the survey; the page's answer must take
    them in that order too, or each would hold what the other waits for."""
    import time

    from django.db import transaction

    from oss_inbox.surveys.answers import survey_rate
    from oss_inbox.tickets.models import Ticket

    from .world import mail_account

    answer_and_resolve(ticket_from(mail_account(smtp_sink), factories.email()), agent)
    [survey] = send_due()
    ingest_holds_ticket, outcome = threading.Event(), {}

    def page_answer():
        ingest_holds_ticket.wait()
        try:
            survey_rate(survey=survey, rating=5, comment="")
        finally:
            connection.close()

    page = threading.Thread(target=page_answer)
    page.start()
    try:
        with transaction.atomic():  # as ingest: the ticket first...
            Ticket.objects.select_for_update().get(pk=survey.ticket_id)
            ingest_holds_ticket.set()
            time.sleep(0.5)  # the page's answer is now waiting for a lock
            # ...then the survey, which the page must not be holding.
            outcome["survey"] = Survey.objects.select_for_update(nowait=True).get(pk=survey.pk)
    finally:
        page.join()
    survey.refresh_from_db()
    assert outcome["survey"].pk == survey.pk and survey.rating == 5
