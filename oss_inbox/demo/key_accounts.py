"""The demo's key accounts: managers, matching rules, this year's joint plans, and their history.

`ensure_key_accounts` runs before the tickets are played, so the organizations' own requests come
in routed to their account managers as in production; `build_account_history` runs after and
writes what a year of account management leaves behind: the planning session, plan items in
every state (some overdue), last quarter's update and a planned-outage notice, each on the
timeline at the moment it happened. No mail is sent: the AccountMail rows are recorded as sent.
"""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from oss_inbox.keyaccounts.models import (
    AccountEvent,
    AccountMail,
    JointPlan,
    KnownIdentity,
    Notice,
    PlanItem,
    ProgressUpdate,
)
from oss_inbox.keyaccounts.quarters import Quarter
from oss_inbox.tickets.models import Organization

from . import content

# name: tier, manager, backup, service addresses, notes, known identities
ACCOUNTS = {
    "St. Brigid Regional Hospital": (
        "strategic",
        "grace",
        "dana",
        "1200 Riverside Pkwy, Millbrook (main campus, 2 feeds)\n1240 Riverside Pkwy (east campus, ICU)\n88 "
        "Elm St (clinic)",
        "Level I trauma centre. Needs 14 days' notice of planned work and the exact switching window; "
        "facilities runs a generator load test every quarter.",
        (("twitter", "stbrigidfacilities"), ("email", "facilities.desk@stbrigid-health.example")),
    ),
    "Prairie State University": (
        "major",
        "lee",
        "dana",
        "University Dr campus (14 meters)\nResearch park, 400 Innovation Way",
        "Building a 2 MW residence hall for next autumn. Semester start and finals weeks are sensitive.",
        (("twitter", "prairiestateops"),),
    ),
    "Cedar Mill Packaging": (
        "major",
        "lee",
        "dana",
        "3 Industrial Loop, Cedar Mill (plant, 13.2 kV service)",
        "Three production lines, sensitive to voltage sags; 15-minute demand billing.",
        (("facebook", "104777000123"),),
    ),
    "Northgate Data Centre": (
        "strategic",
        "grace",
        "dana",
        "900 Northgate Blvd, Millbrook (two utility feeds, 12 MW)",
        "Tier III facility; any planned work on either feed goes through their change board 21 days ahead.",
        (("twitter", "northgatenoc"),),
    ),
}

# name: (summary, participants, items); item = (kind, text, side, owner, due in days from today, status,
# notes)
PLANS = {
    "St. Brigid Regional Hospital": (
        "The hospital needs power it can plan around. We agreed on two weeks' notice for any planned work, "
        "a named contact in distribution operations during load tests, and a study of a second feed to the "
        "east campus.",
        "Karen Mikkelsen, Director of Facilities (St. Brigid)\nLuis Ortega, Energy Manager (St. Brigid)\n"
        "Grace Whitman, Account Manager\nPriya Natarajan, Distribution Operations",
        (
            (
                "need",
                "Fourteen days' notice and the exact switching window for any planned work on feeders 12 "
                "and 14",
                "customer",
                "Karen Mikkelsen",
                None,
                "in_progress",
                "Standing agreement; checked at every update.",
            ),
            (
                "need",
                "One phone number that reaches distribution operations during generator load tests",
                "customer",
                "Luis Ortega",
                -200,
                "done",
                "Ops desk line shared in February.",
            ),
            (
                "expectation",
                "First answer to any facilities email within 4 working hours",
                "customer",
                "Facilities team",
                None,
                "in_progress",
                "Measured on the SLA record of the account.",
            ),
            (
                "commitment",
                "Feasibility study of a second feed to the east campus (ICU)",
                "utility",
                "Grid planning",
                -20,
                "at_risk",
                "Survey delayed by the summer storms; draft expected in December.",
            ),
            (
                "commitment",
                "Replace the east campus pad-mount transformer",
                "utility",
                "Distribution engineering",
                45,
                "planned",
                "",
            ),
            (
                "commitment",
                "Quarterly review of outages and momentary interruptions",
                "utility",
                "Grace Whitman",
                -45,
                "done",
                "Q1–Q3 reviews sent with the quarterly updates.",
            ),
        ),
    ),
    "Prairie State University": (
        "The university is growing: a new residence hall needs 2 MW by next autumn, and campus safety "
        "depends on streetlights being fixed quickly. Billing is to move to one summary bill for all "
        "meters.",
        "Angela Whitehorse, Associate VP Facilities (PSU)\nTom Brennan, Utilities Engineer (PSU)\n"
        "Lee Okafor, Account Manager\nMajor Projects team",
        (
            (
                "need",
                "Load letter and service design for the new 2 MW residence hall",
                "customer",
                "Tom Brennan",
                -30,
                "done",
                "Load letter sent in September.",
            ),
            (
                "need",
                "No planned outages during semester start or finals weeks",
                "customer",
                "Angela Whitehorse",
                None,
                "in_progress",
                "",
            ),
            (
                "expectation",
                "Streetlights on University Dr repaired within 3 working days",
                "customer",
                "Campus safety",
                None,
                "in_progress",
                "",
            ),
            (
                "commitment",
                "Summary billing for all 14 campus meters",
                "utility",
                "Commercial billing",
                -60,
                "in_progress",
                "Two meters still need new account numbers.",
            ),
            (
                "commitment",
                "Kickoff meeting for the residence hall service",
                "utility",
                "Lee Okafor",
                20,
                "planned",
                "",
            ),
        ),
    ),
    "Cedar Mill Packaging": (
        "Production is sensitive to voltage sags, and the plant wants to understand its demand charges. We "
        "agreed to share power-quality event data within a week and to review the 15-minute demand profile "
        "together.",
        "Raj Patel, Plant Manager (Cedar Mill)\nBecky Lindqvist, Accounts Payable (Cedar Mill)\n"
        "Lee Okafor, Account Manager\nPower Quality Engineering",
        (
            (
                "need",
                "Event data from the substation within 5 working days of any trip",
                "customer",
                "Raj Patel",
                None,
                "in_progress",
                "",
            ),
            (
                "expectation",
                "A plain-words explanation with every demand charge above the usual range",
                "customer",
                "Becky Lindqvist",
                None,
                "planned",
                "",
            ),
            (
                "commitment",
                "Power-quality monitor on the plant's service entrance",
                "utility",
                "Power Quality Engineering",
                -90,
                "done",
                "Installed in August.",
            ),
            (
                "commitment",
                "Demand-profile review workshop with the plant's electrician",
                "utility",
                "Lee Okafor",
                -10,
                "planned",
                "",
            ),
            (
                "commitment",
                "Soft-start study for compressors 1 and 2",
                "customer",
                "Plant electrician",
                60,
                "dropped",
                "Plant chose a staggered restart procedure instead.",
            ),
        ),
    ),
    "Northgate Data Centre": (
        "Two feeds, no surprises: every planned switching on either feed goes through Northgate's change "
        "board three weeks ahead, and both sides rehearse the transfer procedure twice a year.",
        "Marcus Hale, Critical Facilities Lead (Northgate)\nJun Park, NOC Manager (Northgate)\n"
        "Grace Whitman, Account Manager\nTransmission Operations",
        (
            (
                "need",
                "21 days' notice of planned work on either feed, through the change board",
                "customer",
                "Marcus Hale",
                None,
                "in_progress",
                "",
            ),
            (
                "expectation",
                "A call from the utility within 15 minutes of any unplanned loss of a feed",
                "customer",
                "Jun Park",
                None,
                "in_progress",
                "",
            ),
            (
                "commitment",
                "Joint transfer rehearsal (spring)",
                "utility",
                "Transmission Operations",
                -150,
                "done",
                "",
            ),
            (
                "commitment",
                "Joint transfer rehearsal (autumn)",
                "utility",
                "Transmission Operations",
                -5,
                "in_progress",
                "Rescheduled once at Northgate's request.",
            ),
            (
                "commitment",
                "Protection settings review on feed B",
                "utility",
                "Protection engineering",
                30,
                "planned",
                "",
            ),
        ),
    ),
}

DOMAIN = content.MAILBOX.split("@")[1]  # of the demo's Message-IDs
NOTICE = (
    "planned_outage",
    "Planned switching on feeder 12, {day}, 1:00–5:00 AM",
    "We will switch feeder 12 for maintenance on {day} between 1:00 and 5:00 AM. Your service stays on the "
    "alternate source; a short transfer may be felt at both ends of the window. Your account manager will "
    "call the day before.",
    ("St. Brigid Regional Hospital", "Northgate Data Centre"),
)


def ensure_key_accounts():
    """Managers, tiers and matching rules of the demo's key accounts (found by name, changed in place)."""
    users = {
        user.username: user for user in get_user_model().objects.filter(username__in=["grace", "dana", "lee"])
    }
    for name, (tier, manager, backup, addresses, notes, identities) in ACCOUNTS.items():
        Organization.objects.filter(name=name).update(
            is_key_account=True,
            tier=tier,
            account_manager=users.get(manager),
            backup_manager=users.get(backup),
            service_addresses=addresses,
            notes=notes,
        )
        organization = Organization.objects.get(name=name)
        for kind, value in identities:
            KnownIdentity.objects.get_or_create(
                kind=kind, value=value, defaults={"organization": organization}
            )


def build_account_history(now, mailbox):
    """This year's plans, last quarter's updates and one notice, dated as they happened."""
    today = timezone.localdate(now)
    organizations = {
        org.name: org
        for org in Organization.objects.filter(name__in=ACCOUNTS).select_related("account_manager")
    }
    for name, organization in organizations.items():
        _plan(organization, today, *PLANS[name])
        _quarterly_update(organization, today, mailbox)
    _notice(organizations, today, now, mailbox)


def _plan(organization, today, summary, participants, items):
    agreed_on = today.replace(month=1, day=20) if today.month > 1 else today - timedelta(days=10)
    plan, _ = JointPlan.objects.get_or_create(
        organization=organization,
        year=today.year,
        defaults={"summary": summary, "participants": participants, "agreed_on": agreed_on},
    )
    manager = organization.account_manager
    _event(organization, AccountEvent.Kind.PLAN, manager, f"Started the {today.year} joint plan", agreed_on)
    for kind, text, side, owner, due_in, status, notes in items:
        due = today + timedelta(days=due_in) if due_in is not None else None
        PlanItem.objects.create(
            plan=plan,
            kind=kind,
            text=text,
            owner_side=side,
            owner_name=owner,
            due_date=due,
            status=status,
            notes=notes,
        )
        _event(
            organization,
            AccountEvent.Kind.PLAN,
            manager,
            f"{today.year} plan: added {kind} “{text[:80]}”",
            agreed_on,
        )
        if status != "planned":
            moved = min(today - timedelta(days=3), (due or today) - timedelta(days=5))
            label = PlanItem.Status(status).label
            _event(
                organization,
                AccountEvent.Kind.PLAN,
                manager,
                f"{today.year} plan: “{text[:60]}” — status: Not started → {label}",
                max(moved, agreed_on),
            )


def _quarterly_update(organization, today, mailbox):
    last = Quarter.of(today).previous()
    year, quarter = last.year, last.number
    sent_on = min(last.last_day + timedelta(days=8), today - timedelta(days=1))
    sent_at = _at(sent_on, 10)
    manager = organization.account_manager
    update, created = ProgressUpdate.objects.get_or_create(
        organization=organization,
        year=year,
        quarter=quarter,
        defaults={
            "subject": f"{organization.name}: progress update, Q{quarter} {year}",
            "status": ProgressUpdate.Status.SENT,
            "body": _update_body(organization, quarter, year, manager),
            "author": manager,
            "sent_at": sent_at,
        },
    )
    if not created:
        return
    recipients = _mail_recipients(organization)
    for contact_id, address in recipients:
        AccountMail.objects.create(
            organization=organization,
            contact_id=contact_id,
            address=address,
            account=mailbox,
            progress_update=update,
            subject=update.subject,
            text=update.body,
            message_id=f"demo-update-{update.pk}-{contact_id}@{DOMAIN}",
            delivery_state=AccountMail.Delivery.SENT,
            delivery_attempts=1,
            sent_at=sent_at,
        )
    _event(
        organization,
        AccountEvent.Kind.UPDATE,
        manager,
        f"Q{quarter} {year} update sent to {_contacts(recipients)}",
        sent_at,
        {"update": update.pk},
    )


def _update_body(organization, quarter, year, manager):
    name = manager.get_full_name() if manager else "Your account manager"
    return (
        f"Hello,\n\nHere is where our {year} joint plan stands at the end of Q{quarter}. Every commitment, "
        "its status and what comes next is listed below; the figures of your tickets and our response "
        f"times are at the end.\n\nThank you for the partnership,\n{name}"
    )


def _notice(organizations, today, now, mailbox):
    kind, subject, body, names = NOTICE
    day = (today - timedelta(days=9)).strftime("%A, %B %-d")
    sent_at = now - timedelta(days=16)
    notice = Notice.objects.create(
        kind=kind,
        subject=subject.format(day=day),
        body=body.format(day=day),
        account=mailbox,
        sender=organizations[names[0]].account_manager,
    )
    Notice.objects.filter(pk=notice.pk).update(created_at=sent_at)
    for name in names:
        organization = organizations[name]
        notice.organizations.add(organization)
        recipients = _mail_recipients(organization)
        for contact_id, address in recipients:
            AccountMail.objects.create(
                organization=organization,
                contact_id=contact_id,
                address=address,
                account=mailbox,
                notice=notice,
                subject=notice.subject,
                text=notice.body,
                delivery_state=AccountMail.Delivery.SENT,
                delivery_attempts=1,
                message_id=f"demo-notice-{notice.pk}-{contact_id}@{DOMAIN}",
                sent_at=sent_at,
            )
        _event(
            organization,
            AccountEvent.Kind.NOTICE,
            notice.sender,
            f"Planned outage notice “{notice.subject}” sent to {_contacts(recipients)}",
            sent_at,
            {"notice": notice.pk},
        )


def _contacts(recipients):
    return f"{len(recipients)} contact{'s' if len(recipients) != 1 else ''}"


def _mail_recipients(organization):
    """(contact id, address) of the organization's contacts who have an email address."""
    rows = organization.contacts.filter(identities__kind="email").values_list("pk", "identities__external_id")
    return sorted(set(rows))


def _event(organization, kind, actor, summary, when, data=None):
    when = when if isinstance(when, datetime) else _at(when, 11)
    event = AccountEvent.objects.create(
        organization=organization, kind=kind, actor=actor, summary=summary[:300], data=data or {}
    )
    AccountEvent.objects.filter(pk=event.pk).update(created_at=when)  # auto_now_add: backdate afterwards


def _at(day, hour):
    return datetime.combine(day, time(hour), timezone.get_current_timezone())
