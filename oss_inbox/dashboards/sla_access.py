"""The SLA app as the dashboards use it: an account's coverage schedule and a ticket's
next-response target. Everything else the dashboards need is `sla.clock` (pure) or stored on
the ticket, so a change in the SLA app's internals touches this module only.
"""

from dataclasses import dataclass
from datetime import timedelta

from channels.models import ChannelAccount
from oss_inbox.sla import clock
from oss_inbox.sla.policies import SlaRules, schedule_of


@dataclass(frozen=True)
class Target:
    duration: timedelta
    schedule: clock.Schedule | None  # None: calendar hours

    def due(self, start):
        if self.schedule is None:
            return start + self.duration
        return clock.add_coverage_time(start, self.duration, self.schedule)


class SlaReader:
    """Reads policies and schedules once per instance (one refresh, one page)."""

    def __init__(self):
        self.rules = SlaRules()

    def schedule(self, account):
        """The account's clock.Schedule: its own, else the default one, else the team hours."""
        return self.rules.schedule_for(account)

    def next_response_target(self, ticket):
        """The ticket's next-response target and clock as its policy says now, or None."""
        policy = self.rules.policy_for(ticket)
        if policy.next_response_target is None:
            return None
        on_coverage = policy.next_response_clock == "coverage"
        return Target(policy.next_response_target, self.schedule(ticket.account) if on_coverage else None)


def account_schedules(channel=""):
    """schedules_of() the enabled accounts (of one channel kind, if given); with none, the
    schedule a new account would follow."""
    accounts = ChannelAccount.objects.filter(enabled=True).select_related("coverage_schedule")
    accounts = accounts.defer("credentials").order_by("kind", "name")  # encrypted: not needed here
    if channel:
        accounts = accounts.filter(kind=channel)
    return schedules_of(list(accounts)) or schedules_of([ChannelAccount(kind=channel or "twitter")])


def schedules_of(accounts):
    """[(CoverageSchedule row, clock.Schedule, [accounts])] for the accounts, default schedule first.

    Accounts need `coverage_schedule` selected; the default row is looked up once.
    """
    groups, default = {}, None
    for account in accounts:
        if account.coverage_schedule_id:
            row = account.coverage_schedule
        else:
            default = default or schedule_of(account)
            row = default
        groups.setdefault(row.name, (row, []))[1].append(account)
    ordered = sorted(groups.values(), key=lambda group: (not group[0].is_default, group[0].name))
    return [(row, row.as_clock_schedule(), members) for row, members in ordered]


def weekly_spans(schedule):
    """[(weekday, start_hour, end_hour), ...] in local fractional hours, overnight windows split."""
    spans = []
    for weekday, windows in schedule.weekly.items():
        for start, end in windows:
            start_h, end_h = _hours(start), _hours(end) or 24.0
            if end_h > start_h:
                spans.append((weekday, start_h, end_h))
            else:  # runs past midnight into the next day
                spans.append((weekday, start_h, 24.0))
                if end_h:
                    spans.append(((weekday + 1) % 7, 0.0, end_h))
    return sorted(spans)


def is_covered(moment, schedule):
    return clock.coverage_between(moment, moment + timedelta(microseconds=1), schedule) > timedelta(0)


def _hours(moment):
    return moment.hour + moment.minute / 60 + moment.second / 3600
