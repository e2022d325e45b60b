"""The dashboard's filters: date range (local days), channel, agent, key accounts only."""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import QueryDict

from channels.models import ChannelKind
from oss_inbox.staff.roles import ADMIN, AGENT, SUPERVISOR

DEFAULT_DAYS = 30
MAX_DAYS = 731  # two years: the history the rollups are sized for
PRESETS = (("Today", 1), ("7 days", 7), ("30 days", 30), ("90 days", 90), ("365 days", 365))
UNASSIGNED = 0


def local_zone():
    return ZoneInfo(settings.TIME_ZONE)


def local_today(now):
    return now.astimezone(local_zone()).date()


def local_midnight(day):
    """The instant a local day begins (DST-safe: built from the wall clock, not by adding hours)."""
    return datetime.combine(day, time(0), tzinfo=local_zone())


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    channel: str = ""
    agent: int | None = None  # None: whole team; 0: unassigned
    key_accounts: bool = False

    @property
    def days(self):
        return (self.end - self.start).days + 1

    def bounds(self):
        """[start, end) as aware instants: the local midnights around the chosen days."""
        return local_midnight(self.start), local_midnight(self.end + timedelta(days=1))

    def on_tickets(self, tickets):
        """Narrow a Ticket queryset (channel, agent, key accounts)."""
        if self.channel:
            tickets = tickets.filter(account__kind=self.channel)
        if self.agent is not None:
            tickets = tickets.filter(
                Q(assignee__isnull=True) if self.agent == UNASSIGNED else Q(assignee_id=self.agent)
            )
        return tickets.filter(is_key_account=True) if self.key_accounts else tickets

    def on_derived(self, rows):
        """Narrow a TicketFact or DailyRollup queryset (same dimension names)."""
        if self.channel:
            rows = rows.filter(channel=self.channel)
        if self.agent is not None:
            rows = rows.filter(assignee_id=self.agent)
        return rows.filter(is_key_account=True) if self.key_accounts else rows

    def query(self, **changes):
        """The filters as a query string, with some changed (for links and exports)."""
        chosen = replace(self, **changes)
        params = {"start": chosen.start.isoformat(), "end": chosen.end.isoformat()}
        if chosen.channel:
            params["channel"] = chosen.channel
        if chosen.agent is not None:
            params["agent"] = chosen.agent
        if chosen.key_accounts:
            params["key_accounts"] = "on"
        return urlencode(params)

    @classmethod
    def from_query(cls, query):
        """The filters a query() string was made from (trusted input: our own keys, not a request)."""
        params = QueryDict(query)
        agent = params.get("agent")
        return cls(
            date.fromisoformat(params["start"]),
            date.fromisoformat(params["end"]),
            params.get("channel", ""),
            None if agent is None else int(agent),
            "key_accounts" in params,
        )


def staff_choices():
    """The people who work the queue, for the agent filter and the agents table."""
    users = get_user_model().objects.filter(is_active=True, groups__name__in=[AGENT, SUPERVISOR, ADMIN])
    return list(users.distinct().order_by("first_name", "username"))


class FilterForm(forms.Form):
    # <input type=date> takes ISO dates only, whatever the locale.
    start = forms.DateField(
        required=False, widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"), label="From"
    )
    end = forms.DateField(
        required=False, widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"), label="To"
    )
    channel = forms.ChoiceField(required=False, choices=[("", "All channels"), *ChannelKind.choices])
    agent = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Agent")
    key_accounts = forms.BooleanField(required=False, label="Key accounts only")

    def __init__(self, data, *, staff, today):
        super().__init__(data)
        self.today = today
        people = [(str(user.pk), user.get_full_name() or user.get_username()) for user in staff]
        self.fields["agent"].choices = [("", "Whole team"), (str(UNASSIGNED), "Unassigned"), *people]

    def clean(self):
        data = super().clean()
        end = data.get("end") or self.today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError("The start date must not be after the end date.")
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
        data["start"], data["end"] = start, end
        return data


def filters_from(params, *, staff, today):
    """(Filters, form to show): the defaults (last 30 days, everything) when a value is invalid.

    A valid form is shown with the dates in effect filled in (a first visit has none in its URL).
    """
    form = FilterForm(params, staff=staff, today=today)
    if not form.is_valid():
        return default_filters(today), form
    data = form.cleaned_data
    chosen = Filters(data["start"], data["end"], data["channel"], data["agent"], data["key_accounts"])
    shown = FilterForm(QueryDict(chosen.query()), staff=staff, today=today)
    shown.is_valid()
    return chosen, shown


def default_filters(today):
    return Filters(today - timedelta(days=DEFAULT_DAYS - 1), today)


def presets(filters, today):
    """[(label, query string, chosen?)]: the quick ranges ending today, other filters kept."""
    return [
        (
            label,
            filters.query(start=today - timedelta(days=days - 1), end=today),
            filters.end == today and filters.days == days,
        )
        for label, days in PRESETS
    ]
