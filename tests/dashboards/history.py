"""A small hand-made history with known timestamps, for checking every dashboard number by hand.

Times are America/Chicago wall clock. Team hours: Monday-Friday 07:00-22:00, Saturday and Sunday
08:00-21:00; Thanksgiving (Thu 2026-11-26) closed. DST ends Sun 2026-11-01 at 02:00 CDT (01:00
happens twice). Policy: first response 4 coverage hours, follow-up (next response) 2 coverage
hours. "Now" is Mon 2026-11-30 12:00 CST.

T1  X, Dana.    Sat Oct 31 21:30 CDT, writes again 01:30 CDT and 01:30 CST in the night of the
    DST change; answered Sun Nov 1 09:00 CST (due 12:00), resolved 10:00.
T2  Email, Lee, key account. Wed Nov 25 20:00; Thanksgiving; answered Fri 08:00 (due 09:00);
    follow-up Fri 10:00 answered 13:00 (due 12:00: late); pending Fri 13:05 to Sat 09:00, when
    the customer writes (answered 09:30, due 11:00); resolved Sat 10:00.
T3  Facebook, unassigned, new. Sun Nov 29 20:00, acknowledged automatically, due Mon 10:00.
T4  X, Dana. Mon Nov 30 11:00, due 15:00 (not yet).
T5  Email, Dana. Fri Nov 27 21:00, answered Sat 14:00 (due Sat 11:00: late); the customer
    writes Sun 20:30, follow-up due Mon 08:30, unanswered.
T6  X, Lee, pending. Mon Nov 23 09:00, answered 09:30; pending since 10:00.
T7  X, Dana. Oct 1 10:00 CDT answered 11:00, resolved Oct 2 10:00 CDT (before any range used).
T8  Facebook, Lee. Mon Nov 30 08:30, due 12:30, at risk from 11:30.
T9  X, Dana. Thanksgiving Thu Nov 26 12:00, answered Fri 07:30 (due 11:00), resolved 08:00.
"""

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from oss_inbox.sla.models import CoverageOverride, CoverageSchedule, SlaPolicy
from oss_inbox.tickets.models import Contact, Message, Ticket, TicketEvent

CHICAGO = ZoneInfo("America/Chicago")
TEAM_HOURS = {
    **{str(day): [["07:00", "22:00"]] for day in range(5)},
    "5": [["08:00", "21:00"]],
    "6": [["08:00", "21:00"]],
}
_numbers = itertools.count(1)


def at(text, fold=0):
    """A Chicago wall-clock time ("2026-11-25 20:00") as an aware UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=CHICAGO, fold=fold).astimezone(UTC)


NOW = at("2026-11-30 12:00")


def set_rules():
    """Team hours with Thanksgiving closed as the default schedule; one policy for every ticket."""
    schedule, _ = CoverageSchedule.objects.update_or_create(
        name="Social media",
        defaults={"timezone": "America/Chicago", "weekly": TEAM_HOURS, "is_default": True},
    )
    CoverageSchedule.objects.exclude(pk=schedule.pk).update(is_default=False)
    CoverageOverride.objects.create(
        schedule=schedule, date=date(2026, 11, 26), label="Thanksgiving", windows=[]
    )
    schedule.save()  # a new version, so no schedule built before the override is reused
    SlaPolicy.objects.all().delete()
    SlaPolicy.objects.create(
        name="Test",
        first_response_target=timedelta(hours=4),
        first_response_clock="coverage",
        next_response_target=timedelta(hours=2),
        next_response_clock="coverage",
    )


def ticket(
    account,
    created,
    *,
    status="open",
    assignee=None,
    key=False,
    answered=None,
    due=None,
    resolved=None,
    messages=(),
    changes=(),
    sla_due=None,
    at_risk=None,
):
    """A ticket as the services would have left it; `messages` are (time, direction[, automatic])."""
    number = next(_numbers)
    contact = Contact.objects.create(name=f"Customer {number}")
    inbound = [moment for moment, direction, *_ in messages if direction == "inbound"]
    outbound = [moment for moment, direction, *rest in messages if direction == "outbound" and not rest]
    made = Ticket.objects.create(
        account=account,
        contact=contact,
        thread_key=f"test:{number}",
        subject=f"Question {number}",
        status=status,
        assignee=assignee,
        is_key_account=key,
        created_at=created,
        first_response_at=answered,
        first_response_due_at=due,
        resolved_at=resolved,
        last_inbound_at=max(inbound, default=None),
        last_outbound_at=max(outbound, default=None),
        sla_due_at=sla_due,
        sla_at_risk_at=at_risk,
    )
    for index, (moment, direction, *automatic) in enumerate(messages):
        Message.objects.create(
            ticket=made,
            account=account,
            direction=direction,
            kind=Message.Kind.NOTE if direction == "note" else Message.Kind.EMAIL,
            external_id=f"test-{number}-{index}",
            sent_at=moment,
            is_automatic=bool(automatic),
        )
    for moment, before, after in changes:
        event = TicketEvent.objects.create(
            ticket=made, kind=TicketEvent.Kind.STATUS, data={"from": before, "to": after}
        )
        TicketEvent.objects.filter(pk=event.pk).update(created_at=moment)
    return made


def build(*, twitter, facebook, mailbox, dana, lee):
    """The nine tickets above; returns them by name."""
    set_rules()
    made = {}
    made["T1"] = ticket(
        twitter,
        at("2026-10-31 21:30"),
        status="resolved",
        assignee=dana,
        answered=at("2026-11-01 09:00"),
        due=at("2026-11-01 12:00"),
        resolved=at("2026-11-01 10:00"),
        messages=[
            (at("2026-10-31 21:30"), "inbound"),
            (at("2026-11-01 01:30"), "inbound"),
            (at("2026-11-01 01:30", fold=1), "inbound"),
            (at("2026-11-01 09:00"), "outbound"),
        ],
        changes=[(at("2026-11-01 09:00"), "new", "open"), (at("2026-11-01 10:00"), "open", "resolved")],
    )
    made["T2"] = ticket(
        mailbox,
        at("2026-11-25 20:00"),
        status="resolved",
        assignee=lee,
        key=True,
        answered=at("2026-11-27 08:00"),
        due=at("2026-11-27 09:00"),
        resolved=at("2026-11-28 10:00"),
        messages=[
            (at("2026-11-25 20:00"), "inbound"),
            (at("2026-11-27 08:00"), "outbound"),
            (at("2026-11-27 10:00"), "inbound"),
            (at("2026-11-27 13:00"), "outbound"),
            (at("2026-11-27 13:01"), "note"),
            (at("2026-11-28 09:00"), "inbound"),
            (at("2026-11-28 09:30"), "outbound"),
        ],
        changes=[
            (at("2026-11-27 08:00"), "new", "open"),
            (at("2026-11-27 13:05"), "open", "pending"),
            (at("2026-11-28 09:00"), "pending", "open"),
            (at("2026-11-28 10:00"), "open", "resolved"),
        ],
    )
    made["T3"] = ticket(
        facebook,
        at("2026-11-29 20:00"),
        status="new",
        due=at("2026-11-30 10:00"),
        messages=[
            (at("2026-11-29 20:00"), "inbound"),
            (at("2026-11-29 20:00") + timedelta(seconds=5), "outbound", True),
        ],
        sla_due=at("2026-11-30 10:00"),
        at_risk=at("2026-11-30 09:00"),
    )
    made["T4"] = ticket(
        twitter,
        at("2026-11-30 11:00"),
        assignee=dana,
        due=at("2026-11-30 15:00"),
        messages=[(at("2026-11-30 11:00"), "inbound")],
        changes=[(at("2026-11-30 11:05"), "new", "open")],
        sla_due=at("2026-11-30 15:00"),
        at_risk=at("2026-11-30 14:00"),
    )
    made["T5"] = ticket(
        mailbox,
        at("2026-11-27 21:00"),
        assignee=dana,
        answered=at("2026-11-28 14:00"),
        due=at("2026-11-28 11:00"),
        messages=[
            (at("2026-11-27 21:00"), "inbound"),
            (at("2026-11-28 14:00"), "outbound"),
            (at("2026-11-29 20:30"), "inbound"),
        ],
        changes=[(at("2026-11-28 14:00"), "new", "open")],
        sla_due=at("2026-11-30 08:30"),
        at_risk=at("2026-11-30 08:00"),
    )
    made["T6"] = ticket(
        twitter,
        at("2026-11-23 09:00"),
        status="pending",
        assignee=lee,
        answered=at("2026-11-23 09:30"),
        due=at("2026-11-23 13:00"),
        messages=[(at("2026-11-23 09:00"), "inbound"), (at("2026-11-23 09:30"), "outbound")],
        changes=[(at("2026-11-23 09:30"), "new", "open"), (at("2026-11-23 10:00"), "open", "pending")],
    )
    made["T7"] = ticket(
        twitter,
        at("2026-10-01 10:00"),
        status="resolved",
        assignee=dana,
        answered=at("2026-10-01 11:00"),
        due=at("2026-10-01 14:00"),
        resolved=at("2026-10-02 10:00"),
        messages=[(at("2026-10-01 10:00"), "inbound"), (at("2026-10-01 11:00"), "outbound")],
        changes=[(at("2026-10-01 11:00"), "new", "open"), (at("2026-10-02 10:00"), "open", "resolved")],
    )
    made["T8"] = ticket(
        facebook,
        at("2026-11-30 08:30"),
        assignee=lee,
        due=at("2026-11-30 12:30"),
        messages=[(at("2026-11-30 08:30"), "inbound")],
        changes=[(at("2026-11-30 08:40"), "new", "open")],
        sla_due=at("2026-11-30 12:30"),
        at_risk=at("2026-11-30 11:30"),
    )
    made["T9"] = ticket(
        twitter,
        at("2026-11-26 12:00"),
        status="resolved",
        assignee=dana,
        answered=at("2026-11-27 07:30"),
        due=at("2026-11-27 11:00"),
        resolved=at("2026-11-27 08:00"),
        messages=[(at("2026-11-26 12:00"), "inbound"), (at("2026-11-27 07:30"), "outbound")],
        changes=[(at("2026-11-27 07:30"), "new", "open"), (at("2026-11-27 08:00"), "open", "resolved")],
    )
    return made
