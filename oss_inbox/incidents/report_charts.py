"""The post-event report's charts, drawn by the dashboards' own geometry (dashboards.charts: numbers in,
SVG coordinates out) so that both look alike; the template is the dashboards' chart partial."""

from oss_inbox.dashboards.charts import daily_chart, hour_label, whole_ceiling

DAY = 86400


def _label(moment, many_days):
    hour = hour_label(moment.hour)
    if moment.minute:  # the backlog's quarter-hours, and its last point (now): "5:15p", not a second "5p"
        hour = f"{hour[:-1]}:{moment.minute:02d}{hour[-1]}"
    return f"{moment:%b} {moment.day} {hour}" if many_days else hour


def _many_days(instants):
    return len(instants) > 1 and (instants[-1] - instants[0]).total_seconds() >= DAY


def hours_chart(report):
    """Reports per hour, one colour per channel, stacked (each bar drawn over the sum of those after it)."""
    if not report.hours:
        return None
    many = _many_days([row.start for row in report.hours])
    labels = [_label(row.start, many) for row in report.hours]
    below = [0] * len(report.hours)
    stacked = []
    for kind, label in report.kinds:
        below = [low + row.by_kind.get(kind, 0) for low, row in zip(below, report.hours, strict=True)]
        stacked.append((label, below, "bar", f"series-kind series-kind-{kind}"))
    series = list(reversed(stacked))  # the tallest (all channels) first, each lower one drawn over it
    return daily_chart(labels, series, ceiling=whole_ceiling([row.total for row in report.hours]))


def backlog_chart(report):
    if not report.backlog:
        return None
    local = [at.astimezone(report.zone) for at, _ in report.backlog]
    many = _many_days(local)
    labels = [_label(at, many) for at in local]
    values = [count for _, count in report.backlog]
    return daily_chart(
        labels, [("Open tickets", values, "line", "series-backlog")], ceiling=whole_ceiling(values)
    )
