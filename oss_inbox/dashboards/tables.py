"""Every table on the dashboard, as rows of display strings shared by the page and the CSV export.

Units live in the column headings ("(h)", "(%)"), so a cell reads the same on screen and in a
spreadsheet. An empty string is "no value" (shown as a dash on the page).
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from html import escape

from django.urls import reverse
from django.utils.safestring import mark_safe

from channels.models import ChannelKind
from oss_inbox.staff.templatetags.dates import when_tag

from .filters import local_zone
from .percentiles import ALL
from .selectors import FIRST_RESPONSE, RESOLUTION

CHANNEL_NAMES = {ALL: "All channels", **dict(ChannelKind.choices)}
STATUSES = ("new", "open", "pending")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class Table:
    slug: str
    title: str
    columns: list
    rows: list  # [[str, ...]]
    links: dict | None = None  # {row index: url of the row's first cell}
    row_classes: dict | None = None  # {row index: CSS class of the row}

    def body_html(self):
        """The table's <tr> rows, escaped. Built here rather than in the template: a year of days
        is 2,500 cells, and a template loop costs far more per cell than this."""
        links, classes = self.links or {}, self.row_classes or {}
        rows = []
        for index, row in enumerate(self.rows):
            first = escape(row[0])
            if index in links:
                first = f'<a href="{escape(links[index])}">{first}</a>'
            cells = "".join(f"<td>{_cell_html(cell)}</td>" for cell in row[1:])
            css = f' class="{escape(classes[index])}"' if index in classes else ""
            rows.append(f'<tr{css}><th scope="row">{first}</th>{cells}</tr>')
        return mark_safe("".join(rows))  # noqa: S308 - every cell and link is escaped above

    def csv(self):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()


class Moment(str):
    """A cell holding an instant: the team's wall clock in the CSV ("2026-12-06 16:29"), the app's
    date style in the viewer's zone on the page (staff dates.when_tag: "4:29 PM", full on hover)."""

    at: datetime

    def __new__(cls, at):
        cell = super().__new__(cls, at.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M"))
        cell.at = at
        return cell


def _cell_html(cell):
    if isinstance(cell, Moment):
        return when_tag(cell.at)
    return escape(cell) if cell else "—"


def minutes(delta):
    return "" if delta is None else f"{delta.total_seconds() / 60:.1f}"


def hours(seconds):
    return "" if seconds is None else f"{seconds / 3600:.2f}"


def percent(share):
    return "" if share is None else f"{share * 100:.1f}"


def local_time(moment):
    return "" if moment is None else Moment(moment)


def channel_name(kind):
    return CHANNEL_NAMES.get(kind, kind)


def open_table(counts):
    rows = []
    for kind in [kind for kind, _ in ChannelKind.choices if kind in counts.by_channel]:
        by_status = counts.by_channel[kind]
        rows.append(
            [channel_name(kind), *[str(by_status.get(s, 0)) for s in STATUSES], str(sum(by_status.values()))]
        )
    totals = [sum(counts.by_channel[kind].get(s, 0) for kind in counts.by_channel) for s in STATUSES]
    rows.append(["All channels", *map(str, totals), str(counts.total)])
    return Table("open", "Open tickets by channel", ["Channel", "New", "Open", "Pending", "Total"], rows)


def alerts_table(alerts):
    rows, links, classes = [], {}, {}
    for index, ticket in enumerate(alerts.tickets):
        state = "Breached" if ticket.alert == "breached" else "At risk"
        assignee = (
            ticket.assignee.get_full_name() or ticket.assignee.get_username()
            if ticket.assignee
            else "Unassigned"
        )
        rows.append(
            [
                str(ticket.pk),
                str(ticket.contact),
                channel_name(ticket.account.kind),
                ticket.subject,
                assignee,
                state,
                local_time(ticket.sla_due_at),
            ]
        )
        links[index] = reverse("inbox:ticket", args=[ticket.pk])
        classes[index] = f"alert-{ticket.alert}"
    columns = ["Ticket", "Customer", "Channel", "Subject", "Assignee", "SLA", "Due (local time)"]
    return Table("alerts", "Breached and at-risk tickets", columns, rows, links, classes)


def compliance_table(slug, title, by_group, period_names):
    columns = [
        "Channel",
        *[f"{_period_label(name)} (%)" for name in period_names],
        "Within SLA",
        "Due",
        "Unanswered past due",
    ]
    rows = []
    for group in _groups(by_group):
        cells = by_group[group]
        chosen = cells["range"]
        rows.append(
            [
                channel_name(group),
                *[percent(cells[name].share) for name in period_names],
                str(chosen.met),
                str(chosen.decided),
                str(chosen.missed_open),
            ]
        )
    return Table(slug, title, columns, rows)


def times_table(times):
    columns = ["Channel"]
    for label, measures in (("First response", FIRST_RESPONSE), ("Resolution", RESOLUTION)):
        # One pair of columns per measure: its calendar clock, then its coverage clock.
        for _measure, clock in zip(measures, ("calendar", "coverage"), strict=True):
            columns += [f"{label} median, {clock} (h)", f"{label} 90th percentile, {clock} (h)"]
    rows = []
    for group in _groups(times):
        by_measure = times[group]
        rows.append(
            [
                channel_name(group),
                *[hours(value) for m in FIRST_RESPONSE + RESOLUTION for value in by_measure[m]],
            ]
        )
    return Table("times", "Response and resolution times", columns, rows)


def daily_table(trends):
    columns = [
        "Day",
        "Tickets in",
        "Messages in",
        "Replies out",
        "Resolved",
        "Backlog at end of day",
        "First responses due",
        "First responses within SLA (%)",
    ]
    names = ("tickets_created", "messages_in", "messages_out", "tickets_resolved")
    rows = [
        [
            day.day.isoformat(),
            *[str(day.counts[name]) for name in names],
            str(day.backlog),
            str(day.first_response.decided),
            percent(day.first_response.share),
        ]
        for day in trends.days
    ]
    return Table("daily", "Day by day", columns, rows)


def heatmap_table(trends):
    columns = ["Hour (local time)", *WEEKDAYS]
    rows = [[f"{hour:02d}:00", *[str(trends.heatmap[day][hour]) for day in range(7)]] for hour in range(24)]
    return Table("heatmap", "Customer messages by hour of week", columns, rows)


def agents_table(rows):
    columns = [
        "Agent",
        "Open now",
        "Resolved",
        "First responses",
        "First responses within SLA (%)",
        "Median first response (h)",
        "Replies",
        "Last active (local time)",
    ]
    cells = [
        [
            row.name,
            str(row.open),
            str(row.resolved),
            str(row.first_response.met + row.first_response.late),
            percent(row.first_response.share),
            hours(row.median_first_response),
            str(row.replies),
            local_time(row.last_active),
        ]
        for row in rows
    ]
    return Table("agents", "Agents", columns, cells)


SAFETY_COLUMNS = [
    "Safety tickets",
    "Median first touch (min)",
    "Worst first touch (min)",
    "Not yet touched",
    "Answered within 15 min",
    "Due",
    "Answered within 15 min (%)",
]


def safety_hours_table(summary):
    """Safety tickets by the local hour of the report: every hour, so an empty 2 a.m. shows too."""
    rows = [[f"{hour:02d}:00", *_safety_cells(group)] for hour, group in enumerate(summary.by_hour)]
    columns = ["Hour (local time)", *SAFETY_COLUMNS]
    return Table("safety_hours", "Safety tickets by hour of the day", columns, rows)


def safety_categories_table(summary):
    rows = [[name, *_safety_cells(group)] for name, group in summary.by_category]
    rows += [["All safety tickets", *_safety_cells(summary.all)]] if rows else []
    return Table("safety_categories", "Safety tickets by kind", ["Kind", *SAFETY_COLUMNS], rows)


def _safety_cells(group):
    if not group.count:
        return ["0", "", "", "", "", "", ""]
    return [
        str(group.count),
        minutes(group.median_touch),
        minutes(group.worst_wait),
        str(len(group.untouched)),
        str(group.answered),
        str(group.due),
        percent(group.answered_share),
    ]


def _groups(by_group):
    kinds = [kind for kind, _ in ChannelKind.choices if kind in by_group]
    return [ALL, *kinds] if ALL in by_group else kinds


def _period_label(name):
    return "Chosen range" if name == "range" else name.capitalize()
