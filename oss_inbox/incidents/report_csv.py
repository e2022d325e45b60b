"""The post-event report as one tidy table, for a spreadsheet or a regulator's analyst: one figure per row,
the same columns throughout, so a filter on `section` (and `measure`) gives each figure as a column.

Times are ISO 8601 with their UTC offset, in the coverage schedule's zone; durations in seconds; counts
say what they count in `unit`. Pure: a report_rows.Report in, rows out.
"""

COLUMNS = [
    "section",
    "incident_id",
    "incident",
    "channel",
    "start",
    "end",
    "measure",
    "value",
    "unit",
    "note",
]


def _iso(moment, zone):
    return moment.astimezone(zone).isoformat() if moment is not None else ""


def _number(value):
    if value is None:
        return ""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def report_rows(report):
    """Every row of the CSV after its header, section by section."""
    zone = report.zone
    rows = [
        _row(
            "report", measure="scope", value=f"{report.scope.kind} {report.scope.pk}", note=report.scope.title
        )
    ]
    rows.append(
        _row(
            "report",
            start=_iso(report.scope.start, zone),
            end=_iso(report.scope.end, zone),
            measure="period",
            note="end empty: not over when generated",
        )
    )
    rows.append(_row("report", measure="generated_at", value=_iso(report.generated_at, zone), unit="time"))
    rows.append(_row("report", measure="time_zone", value=str(zone)))
    rows.append(_row("report", measure="tickets", value=report.tickets, unit="tickets"))
    labels = dict(report.kinds)
    for hour in report.hours:
        for kind, count in hour.by_kind.items():
            rows.append(
                _row(
                    "reports_per_hour",
                    channel=labels[kind],
                    start=_iso(hour.start, zone),
                    end=_iso(hour.end, zone),
                    measure="outage_reports",
                    value=count,
                    unit="customer messages",
                )
            )
    rows += _summary_rows("first_response", report.first_response, "answered by a person", "not answered yet")
    rows += _summary_rows("first_update", report.first_update, "sent an update", "no update sent yet")
    rows += _update_rows(report)
    rows.append(_row("reach", measure="tickets_reached", value=report.tickets_reached, unit="tickets"))
    rows.append(_row("reach", measure="customers_reached", value=report.contacts_reached, unit="customers"))
    for at, count in report.backlog:
        rows.append(
            _row("backlog", start=_iso(at, zone), measure="open_tickets", value=count, unit="tickets")
        )
    rows += _incident_rows(report)
    return rows


def _row(section, *, incident=None, channel="", start="", end="", measure="", value="", unit="", note=""):
    return [
        section,
        incident.pk if incident is not None else "",
        _text(incident.title) if incident is not None else "",
        channel,
        start,
        end,
        measure,
        value if isinstance(value, str) else _number(value),
        unit,
        _text(note),
    ]


# A spreadsheet runs a cell that starts with one of these as a formula: words people typed (a title, an
# update) are written with a leading apostrophe instead, so the file opens as text, never as code.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(words):
    return f"'{words}" if words.startswith(FORMULA_STARTS) else words


def _summary_rows(section, summary, measured, missing):
    return [
        _row(section, measure="median", value=summary.median, unit="seconds"),
        _row(section, measure="p90", value=summary.p90, unit="seconds"),
        _row(section, measure="measured", value=summary.count, unit="tickets", note=measured),
        _row(section, measure="missing", value=summary.missing, unit="tickets", note=missing),
    ]


def _update_rows(report):
    rows, incidents = [], {incident.pk: incident for incident in report.scope.incidents}
    for update, counts in report.updates:
        incident, at = incidents.get(update.incident_id), _iso(update.created_at, report.zone)
        for measure in ("planned", "sent", "failed", "skipped", "waiting"):
            note = update.text[:200] if measure == "planned" else ""
            if measure == "skipped" and counts.skip_reasons:
                note = "; ".join(
                    f"{reason}: {count}" for reason, count in sorted(counts.skip_reasons.items())
                )
            rows.append(
                _row(
                    "updates",
                    incident=incident,
                    start=at,
                    measure=measure,
                    value=getattr(counts, measure),
                    unit="tickets",
                    note=note,
                )
            )
    return rows


def _incident_rows(report):
    rows, zone = [], report.zone
    for line in report.incidents:
        incident = line["incident"]
        rows.append(
            _row(
                "restoration",
                incident=incident,
                start=_iso(incident.created_at, zone),
                end=_iso(incident.restored_at, zone),
                measure="restoration_time",
                value=line["restoration_seconds"],
                unit="seconds",
                note=incident.get_status_display(),
            )
        )
        rows.append(
            _row(
                "restoration",
                incident=incident,
                measure="customers_out",
                value=incident.customers_out,
                unit="customers",
                note="as last recorded",
            )
        )
    if report.scope.kind == "storm":
        rows += _storm_restoration_rows(report)
    for incident, at, etr, status, who in report.etr_changes:
        rows.append(
            _row(
                "etr_history",
                incident=incident,
                start=_iso(at, zone),
                measure="etr",
                value=_iso(etr, zone),
                unit="time",
                note=f"{status}; by {who}",
            )
        )
    return rows


def _storm_restoration_rows(report):
    summary = report.restoration
    figures = [
        ("median_restoration_time", summary.median, "seconds", ""),
        ("p90_restoration_time", summary.p90, "seconds", ""),
        ("incidents_restored", summary.count, "incidents", ""),
        ("incidents_not_restored", summary.missing, "incidents", ""),
        ("customers_out", report.customers_out, "customers", "the incidents' last recorded counts, added up"),
    ]
    return [
        _row("restoration", measure=measure, value=value, unit=unit, note=note)
        for measure, value, unit, note in figures
    ]
