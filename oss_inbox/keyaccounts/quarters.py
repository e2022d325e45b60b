"""Calendar quarters and when their progress update is due. Pure: dates in, dates out.

The rule: a quarter's update is due within UPDATE_GRACE_DAYS (15) days after the quarter ends.
Q3 (July–September) ends on 30 September, so its update becomes due on 1 October and is overdue
from 16 October on. Dates are the team's calendar days (settings.TIME_ZONE).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

UPDATE_GRACE_DAYS = 15
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December"]  # fmt: skip


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1..4

    @classmethod
    def of(cls, day):
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self):
        return f"Q{self.number} {self.year}"

    @property
    def first_day(self):
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self):
        return self.next().first_day - timedelta(days=1)

    @property
    def months(self):
        """ "July–September"."""
        return f"{MONTH_NAMES[3 * self.number - 3]}–{MONTH_NAMES[3 * self.number - 1]}"

    @property
    def update_due_on(self):
        """The last day to send the quarter's update."""
        return self.last_day + timedelta(days=UPDATE_GRACE_DAYS)

    def next(self):
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self):
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def bounds(self, zone=None):
        """[start, end) as aware datetimes at local midnight."""
        zone = zone or team_zone()
        return (
            datetime.combine(self.first_day, time(), zone),
            datetime.combine(self.next().first_day, time(), zone),
        )


def team_zone():
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment):
    return moment.astimezone(team_zone()).date()


def update_state(quarter, today):
    """ "not_yet" while the quarter runs, "due" for the 15 days after it, "overdue" after that."""
    if today <= quarter.last_day:
        return "not_yet"
    return "due" if today <= quarter.update_due_on else "overdue"


def quarter_to_report(today):
    """The quarter whose update is the one to write now: the last one that ended."""
    return Quarter.of(today).previous()


def next_update_due(today, sent_quarters):
    """(quarter, due date, overdue?) of the next update to send, given the quarters already sent.

    The last quarter that ended comes first while its update is unsent; then the running quarter.
    """
    ended = quarter_to_report(today)
    quarter = ended if ended not in sent_quarters else Quarter.of(today)
    return quarter, quarter.update_due_on, today > quarter.update_due_on
