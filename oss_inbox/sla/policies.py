"""Which SLA policy a ticket gets, and the clocks its targets are counted on."""

import copy
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from . import clock
from .models import CoverageSchedule, SlaPolicy
from .storm_state import storm_clock_schedule, storm_state


@dataclass(frozen=True)
class CalendarClock:
    """Every hour counts, day and night."""

    def add(self, start, duration):
        return start + duration

    def between(self, start, end):
        return end - start


@dataclass(frozen=True)
class CoverageClock:
    """Only the hours of a coverage schedule count."""

    schedule: clock.Schedule

    def add(self, start, duration):
        return clock.add_coverage_time(start, duration, self.schedule)

    def between(self, start, end):
        return clock.coverage_between(start, end, self.schedule)


def fallback_policy():
    """The one-day promise when no policy is configured (or none matches): never no target."""
    hours = timedelta(hours=settings.SLA_FIRST_RESPONSE_HOURS)
    return SlaPolicy(name="One-day promise", first_response_target=hours, next_response_target=hours)


def policy_matches(policy, ticket, channel_kind):
    """Whether every rule of the policy holds for the ticket. `channel_kind` is a callable, so that
    the ticket's account is only read when a policy has a channel rule."""
    if policy.safety_only and not ticket.safety:
        return False
    if policy.key_accounts_only and not ticket.is_key_account:
        return False
    if policy.min_priority is not None and ticket.priority < policy.min_priority:
        return False
    return not policy.channel_kind or policy.channel_kind == channel_kind()


def specificity(policy):
    """Sort key: a safety rule beats a key-account rule beats a priority rule beats a channel rule;
    then position."""
    return (
        not policy.safety_only,
        not policy.key_accounts_only,
        policy.min_priority is None,
        -(policy.min_priority or 0),
        not policy.channel_kind,
        policy.position,
        policy.name,
    )


class SlaRules:
    """The policies and schedules one recompute (or a batch of them) works with.

    Policies are a handful of rows, read once per instance; schedules are read per account when
    a coverage clock needs them, and their clock form is cached by the model per version. Storm
    mode as it stands when the instance is made: its hours extend every schedule, and its
    first-response target replaces the policies' for tickets created during it.
    """

    def __init__(self, policies=None):
        self.storm = storm_state()
        chosen = (
            list(SlaPolicy.objects.select_related("coverage_schedule"))
            if policies is None
            else list(policies)
        )
        self.policies = sorted(chosen, key=specificity)
        self.fallback = fallback_policy()  # made once: a batch of ingest asks for thousands of tickets
        self._schedules = {}

    def policy_for(self, ticket):
        kind = _lazy_kind(ticket)
        policy = next(
            (policy for policy in self.policies if policy_matches(policy, ticket, kind)), self.fallback
        )
        if ticket.safety or not ticket.created_at:  # a storm never slows the answer to a safety report
            return policy
        return with_storm_target(policy, self.storm.span_at(ticket.created_at))

    def clock(self, name, ticket, policy=None):
        """The clock a target counts on: coverage hours are the policy's own schedule, else the account's."""
        if name != SlaPolicy.Clock.COVERAGE:
            return CalendarClock()
        if policy is not None and policy.coverage_schedule_id:
            return CoverageClock(self.policy_schedule(policy))
        return CoverageClock(self.schedule_for(ticket.account))

    def policy_schedule(self, policy):
        key = ("policy", policy.coverage_schedule_id)
        if key not in self._schedules:
            self._schedules[key] = storm_clock_schedule(policy.coverage_schedule, self.storm)
        return self._schedules[key]

    def schedule_for(self, account):
        """The account's `clock.Schedule`: its own, else the default, else the built-in hours."""
        key = account.coverage_schedule_id
        if key not in self._schedules:
            self._schedules[key] = storm_clock_schedule(schedule_of(account), self.storm)
        return self._schedules[key]


def with_storm_target(policy, span):
    """The policy, or a copy with the storm's first-response target (and its reason in
    `storm_reason`) for a ticket created during a storm that set one."""
    if span is None or span.first_response_target is None:
        return policy
    changed = copy.copy(policy)
    changed.first_response_target = span.first_response_target
    changed.storm_reason = span.sla_reason
    return changed


def schedule_of(account):
    """The CoverageSchedule row an account follows (an unsaved one with team hours if none exist)."""
    if account.coverage_schedule_id:
        return account.coverage_schedule
    default = CoverageSchedule.objects.filter(is_default=True).first()
    return default or builtin_schedule()


def clock_schedule_of(account):
    """The account's coverage as the clock counts it now: its schedule, with storm hours while on."""
    return storm_clock_schedule(schedule_of(account))


def builtin_schedule():
    """The promised team hours, for a database without schedules (e.g. a flushed test database)."""
    weekly = {
        str(day): [[start.strftime("%H:%M"), end.strftime("%H:%M")] for start, end in windows]
        for day, windows in clock.DEFAULT_SOCIAL.weekly.items()
    }
    return CoverageSchedule(name="Team hours", timezone=str(clock.DEFAULT_SOCIAL.tz), weekly=weekly)


POLICIES_KEY = "sla:policies"


def policy_for_ticket(ticket):
    """The SLA policy that applies to the ticket now, for showing it (the policies are cached until one
    changes)."""
    from oss_inbox.cached import cached_list

    policies = cached_list(POLICIES_KEY, lambda: SlaPolicy.objects.select_related("coverage_schedule"))
    return SlaRules(policies).policy_for(ticket)


def _lazy_kind(ticket):
    return lambda: ticket.account.kind


def policy_rules_words(policy):
    """ "Key accounts, High priority or higher, Email", or "Every ticket"."""
    rules = ["Safety tickets"] if policy.safety_only else []
    if policy.key_accounts_only:
        rules.append("Key accounts")
    if policy.min_priority is not None:
        rules.append(f"{policy.get_min_priority_display()} priority or higher")
    if policy.channel_kind:
        rules.append(policy.get_channel_kind_display())
    return ", ".join(rules) or "Every ticket"


def policy_targets_words(policy):
    """[("4h", "coverage hours") or None] for first response, next response and resolution."""
    words = []
    for name in ("first_response", "next_response", "resolution"):
        target = getattr(policy, f"{name}_target")
        clock_name = getattr(policy, f"{name}_clock")
        hours = target.total_seconds() / 3600 if target else 0
        words.append((f"{hours:g}h", f"{clock_name} hours") if target else None)
    return words
