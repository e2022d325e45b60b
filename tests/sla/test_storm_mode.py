"""Storm mode's switch (audited, refused in words) and what it changes: coverage hours, SLA targets."""

from dataclasses import replace
from datetime import time, timedelta

import pytest
import time_machine

from oss_inbox.sla.models import StormPeriod
from oss_inbox.sla.policies import SlaRules, clock_schedule_of, policy_for_ticket
from oss_inbox.sla.schedules import coverage_status
from oss_inbox.sla.storm import StormRefused, current_storm, storm_end, storm_start
from oss_inbox.sla.timers import coverage_words
from oss_inbox.tickets.models import Message, Ticket
from oss_inbox.tickets.services import ingest
from oss_inbox.tickets.services.acknowledgements import ticket_acknowledge_if_closed

from ..factories import email
from .conftest import local

pytestmark = pytest.mark.django_db

# Friday 2026-11-06. Email's schedule (the default for these tests' mailbox: social hours) closes at
# 22:00 and opens at 08:00 on Saturday.
EVENING = local(2026, 11, 6, 20, 0)
NIGHT = local(2026, 11, 7, 3, 0)


@pytest.fixture
def at():
    """Move the clock to an instant (and keep it there) for what reads the time itself."""
    travellers = []

    def travel(moment):
        for traveller in travellers:
            traveller.stop()
        travellers[:] = [time_machine.travel(moment, tick=False)]
        travellers[0].start()

    yield travel
    for traveller in travellers:
        traveller.stop()


def customer_writes(account, when, **fields):
    item = replace(email(**fields), sent_at=when)
    ingest(account, [item])
    message = Message.objects.select_related("ticket").get(account=account, external_id=item.external_id)
    return message.ticket, message


def test_turning_it_on_records_who_when_why_and_what_it_changes(supervisor, at):
    at(EVENING)
    period = storm_start(
        by=supervisor,
        reason="Derecho: feeders down across the north",
        first_response_target=timedelta(hours=1),
        sla_reason="Crews are out; we answer within the hour",
        outage_map_url="https://outages.example/map",
        now=EVENING,
    )
    period.refresh_from_db()
    assert (period.active, period.started_by, period.started_at) == (True, supervisor, EVENING)
    assert period.reason == "Derecho: feeders down across the north"
    assert period.first_response_target == timedelta(hours=1) and period.sla_reason.startswith("Crews")
    assert current_storm() == period


def test_turning_it_off_records_who_when_why_and_the_row_stays(supervisor, admin_user, at):
    at(EVENING)
    started = storm_start(by=supervisor, reason="Ice storm", now=EVENING)
    at(NIGHT)
    ended = storm_end(by=admin_user, reason="All feeders restored", now=NIGHT)
    ended.refresh_from_db()
    assert (ended.pk, ended.active, ended.ended_by, ended.ended_at) == (started.pk, False, admin_user, NIGHT)
    assert ended.end_reason == "All feeders restored" and ended.reason == "Ice storm"
    assert current_storm() is None
    # A second storm is a new row: the first one's record is never edited.
    again = storm_start(by=supervisor, reason="Second front", now=NIGHT + timedelta(hours=1))
    assert again.pk != started.pk and StormPeriod.objects.count() == 2


def test_refusals_say_why(supervisor, agent, at):
    at(EVENING)
    with pytest.raises(StormRefused, match="Only supervisors and admins"):
        storm_start(by=agent, reason="Storm", now=EVENING)
    with pytest.raises(StormRefused, match="Say why storm mode is turned on"):
        storm_start(by=supervisor, reason="   ", now=EVENING)
    with pytest.raises(StormRefused, match="Say why the first-response target changes"):
        storm_start(by=supervisor, reason="Storm", first_response_target=timedelta(hours=1), now=EVENING)
    with pytest.raises(StormRefused, match="both the hours"):
        storm_start(by=supervisor, reason="Storm", opens_at=time(6), now=EVENING)
    with pytest.raises(StormRefused, match="off already"):
        storm_end(by=supervisor, reason="Done", now=EVENING)
    storm_start(by=supervisor, reason="Storm", now=EVENING)
    with pytest.raises(StormRefused, match="on already: Sam turned it on at 8:00 PM on Nov 6"):
        storm_start(by=supervisor, reason="Another", now=EVENING)
    with pytest.raises(StormRefused, match="Say why storm mode is turned off"):
        storm_end(by=supervisor, reason="", now=EVENING)
    with pytest.raises(StormRefused, match="Only supervisors and admins"):
        storm_end(by=agent, reason="Done", now=EVENING)
    assert StormPeriod.objects.get().active


def test_the_closed_hours_acknowledgement_does_not_fire_at_3am_in_a_24h_storm_and_does_after(
    mailbox, supervisor, at
):
    at(EVENING)
    storm_start(by=supervisor, reason="Derecho", now=EVENING)
    at(NIGHT)
    ticket, message = customer_writes(mailbox, NIGHT, message_id="storm-night@mail.example")
    assert ticket_acknowledge_if_closed(ticket, message, now=NIGHT) is None
    assert acknowledgements(ticket) == []  # nor did ingest send one
    storm_end(by=supervisor, reason="Restored", now=NIGHT + timedelta(minutes=5))
    later = NIGHT + timedelta(minutes=30)
    at(later)
    ticket, _ = customer_writes(mailbox, later, message_id="after@mail.example")
    [ack] = acknowledgements(ticket)  # sent by ingest, as on any night
    assert "We're back at 8:00 AM CT" in ack.text


def acknowledgements(ticket):
    return list(ticket.messages.filter(direction="outbound", is_automatic=True))


def test_storm_hours_are_added_only_while_it_is_on(mailbox, supervisor, at):
    at(EVENING)
    before = clock_schedule_of(mailbox)
    storm_start(by=supervisor, reason="Storm", opens_at=time(6), closes_at=time(2), now=EVENING)
    during = clock_schedule_of(mailbox)
    # Own hours until 22:00, storm hours on to 02:00 and again from 06:00: covered at 01:00, not at 03:00.
    assert coverage(during, local(2026, 11, 7, 1, 0)) and not coverage(during, NIGHT)
    assert coverage(during, local(2026, 11, 7, 6, 30)) and not coverage(before, local(2026, 11, 7, 6, 30))
    # Before the storm began, its hours did not count.
    assert not coverage(during, local(2026, 11, 6, 1, 0))
    at(NIGHT)
    storm_end(by=supervisor, reason="Over", now=NIGHT)
    after = clock_schedule_of(mailbox)
    assert coverage(after, local(2026, 11, 7, 1, 0))  # the storm's past hours stay counted
    assert not coverage(after, local(2026, 11, 7, 6, 30))  # its future hours are gone


def coverage(schedule, moment):
    from oss_inbox.sla import clock

    return clock.is_covered_at(moment, schedule)


def test_due_times_count_storm_hours_and_move_back_when_it_ends(mailbox, hospital, supervisor, at):
    at(local(2026, 11, 6, 21, 30))
    storm_start(by=supervisor, reason="Storm", now=local(2026, 11, 6, 21, 30))
    ticket, _ = customer_writes(mailbox, local(2026, 11, 6, 21, 30), sender="ops@mercy.example")
    policy = SlaRules().policy_for(ticket)
    assert policy.first_response_clock == "coverage" and policy.first_response_target == timedelta(hours=4)
    assert ticket.first_response_due_at == local(2026, 11, 7, 1, 30)  # storm hours count through the night
    storm_end(by=supervisor, reason="Over", now=local(2026, 11, 6, 22, 0))
    from oss_inbox.tickets.services.sla import tickets_sla_recompute_open

    tickets_sla_recompute_open(now=local(2026, 11, 6, 22, 0))
    ticket.refresh_from_db()
    # 30 minutes were spent during the storm; the rest counts from Saturday's opening at 08:00.
    left = policy.first_response_target - timedelta(minutes=30)
    assert ticket.first_response_due_at == local(2026, 11, 7, 8, 0) + left


def test_first_response_target_replaced_for_tickets_created_during_the_storm(mailbox, supervisor, at):
    at(local(2026, 11, 6, 10, 0))
    earlier, _ = customer_writes(mailbox, local(2026, 11, 6, 10, 0))
    storm_start(
        by=supervisor,
        reason="Storm",
        first_response_target=timedelta(minutes=45),
        sla_reason="All hands on the queue",
        now=local(2026, 11, 6, 10, 30),
    )
    at(local(2026, 11, 6, 11, 0))
    during, _ = customer_writes(mailbox, local(2026, 11, 6, 11, 0))
    assert during.first_response_due_at == local(2026, 11, 6, 11, 45)
    shown = policy_for_ticket(during)
    assert shown.first_response_target == timedelta(minutes=45)
    assert shown.storm_reason == "All hands on the queue"
    assert policy_for_ticket(earlier).first_response_target != timedelta(minutes=45)
    assert not hasattr(policy_for_ticket(earlier), "storm_reason")


def test_the_header_says_covered_around_the_clock_during_a_24h_storm(mailbox, supervisor, at):
    at(local(2026, 11, 6, 23, 0))
    assert "next coverage" in coverage_words(coverage_status()[0], now=local(2026, 11, 6, 23, 0))
    storm_start(by=supervisor, reason="Storm", now=local(2026, 11, 6, 23, 0))
    assert coverage_words(coverage_status()[0]).endswith("covered around the clock")


def test_a_ticket_created_after_the_storm_keeps_the_policy_target(mailbox, supervisor, at):
    at(EVENING)
    five = timedelta(minutes=5)
    storm_start(by=supervisor, reason="S", first_response_target=five, sla_reason="R", now=EVENING)
    storm_end(by=supervisor, reason="Over", now=EVENING + timedelta(minutes=1))
    at(EVENING + timedelta(minutes=2))
    ticket = Ticket.objects.get(pk=customer_writes(mailbox, EVENING + timedelta(minutes=2))[0].pk)
    assert ticket.first_response_due_at - ticket.created_at > timedelta(minutes=5)


def test_the_ticket_page_shows_the_storm_targets_reason(client, agent, mailbox, supervisor, at):
    at(local(2026, 11, 6, 10, 0))
    storm_start(
        by=supervisor,
        reason="Storm",
        first_response_target=timedelta(minutes=45),
        sla_reason="All hands on the queue",
        now=local(2026, 11, 6, 10, 0),
    )
    ticket, _ = customer_writes(mailbox, local(2026, 11, 6, 10, 5))
    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "(Standard policy; storm target: All hands on the queue)" in page


def test_another_process_switch_is_seen_within_a_few_seconds(supervisor, at):
    """A switch this process heard no signal of (another process, a cache not shared) shows within
    STORM_LOCAL_SECONDS: the kept copy is read again from the database then."""
    from oss_inbox.sla.storm_state import STORM_LOCAL_SECONDS

    at(EVENING)
    assert current_storm(EVENING) is None
    StormPeriod.objects.bulk_create(
        [StormPeriod(started_at=EVENING, started_by=supervisor, reason="Elsewhere")]
    )
    assert current_storm(EVENING + timedelta(seconds=1)) is None  # still the copy kept a second ago
    seen = current_storm(EVENING + timedelta(seconds=STORM_LOCAL_SECONDS + 0.1))
    assert seen is not None and seen.reason == "Elsewhere"


def test_each_switch_records_that_open_tickets_owe_a_recompute(
    supervisor, django_capture_on_commit_callbacks
):
    from oss_inbox.sla.services import owed_row

    before = owed_row().changed
    with django_capture_on_commit_callbacks() as started:
        storm_start(by=supervisor, reason="Storm", now=EVENING)
    with django_capture_on_commit_callbacks() as ended:
        storm_end(by=supervisor, reason="Over", now=NIGHT)
    # Beat converges it even if the task asked for after each commit is lost.
    assert owed_row().changed == before + 2
    for callbacks in (started, ended):  # and a worker is asked for it once committed
        assert [call for call in callbacks if "_recompute_owed" in call.__qualname__]
