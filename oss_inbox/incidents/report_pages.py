"""The post-event reports (supervisors and admins): an incident's, or a storm period's (the incidents
created while storm mode was on). Each as a page with charts, as one CSV, and as a printable document
(the same figures, no navigation, for management and the regulator). The figures: report_rows.py."""

import csv

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from oss_inbox.sla.models import StormPeriod

from .models import Incident
from .report import duration_words, hour_words
from .report_charts import backlog_chart, hours_chart
from .report_csv import COLUMNS, report_rows
from .report_rows import NOT_OUTAGES, build_report, incident_scope, report_zone, storm_periods, storm_scope

INCIDENTS_LISTED = 100
supervisors = permission_required("tickets.view_dashboards", raise_exception=True)


@supervisors
def report_index(request):
    context = {
        "storms": storm_periods()[:INCIDENTS_LISTED],
        "incidents": Incident.objects.exclude(status__in=NOT_OUTAGES).select_related("area")[
            :INCIDENTS_LISTED
        ],
        "zone": report_zone(),
    }
    return render(request, "incidents/report_index.html", context)


def _incident_report(incident_id):
    incident = get_object_or_404(Incident.objects.select_related("area"), pk=incident_id)
    return build_report(incident_scope(incident), now=timezone.now())


def _storm_report(storm_id):
    storm = get_object_or_404(StormPeriod, pk=storm_id)
    now = timezone.now()
    return build_report(storm_scope(storm, now), now=now)


@supervisors
def incident_report(request, incident_id):
    return _page(request, _incident_report(incident_id), "incidents/report.html")


@supervisors
def incident_report_print(request, incident_id):
    return _page(request, _incident_report(incident_id), "incidents/report_print.html")


@supervisors
def incident_report_csv(request, incident_id):
    return _csv(_incident_report(incident_id), f"incident-{incident_id}-report.csv")


@supervisors
def storm_report(request, storm_id):
    return _page(request, _storm_report(storm_id), "incidents/report.html")


@supervisors
def storm_report_print(request, storm_id):
    return _page(request, _storm_report(storm_id), "incidents/report_print.html")


@supervisors
def storm_report_csv(request, storm_id):
    return _csv(_storm_report(storm_id), f"storm-{storm_id}-report.csv")


def _page(request, report, template):
    context = {
        "report": report,
        "scope": report.scope,
        "utility": getattr(settings, "UTILITY_NAME", "") or "OSS Inbox",
        "hours_chart": hours_chart(report),
        "backlog_chart": backlog_chart(report),
        "backlog_title": f"Open tickets in the incident{'s' if report.scope.kind == 'storm' else ''}, "
        f"every {duration_words(report.backlog_step.total_seconds()) if report.backlog_step else ''}",
        "local": _local_times(report),
        "durations": {
            "first_response": _durations(report.first_response),
            "first_update": _durations(report.first_update),
            "restoration": _durations(report.restoration),
        },
        "restorations": [
            {**line, "words": duration_words(line["restoration_seconds"])} for line in report.incidents
        ],
        "links": _links(report.scope),
    }
    return render(request, template, context)


def _durations(summary):
    return {"median": duration_words(summary.median), "p90": duration_words(summary.p90)}


def _local_times(report):
    zone = report.zone
    return {
        "start": report.scope.start.astimezone(zone),
        "end": report.scope.end.astimezone(zone) if report.scope.end else None,
        "generated_at": report.generated_at.astimezone(zone),
        "hours": [(hour_words(row.start), row) for row in report.hours],
        "backlog": [(hour_words(at.astimezone(zone)), count) for at, count in report.backlog],
    }


def _links(scope):
    from django.urls import reverse

    base = "incident_pages:incident_report" if scope.kind == "incident" else "incident_pages:storm_report"
    return {
        "page": reverse(base, args=[scope.pk]),
        "print": reverse(f"{base}_print", args=[scope.pk]),
        "csv": reverse(f"{base}_csv", args=[scope.pk]),
    }


def _csv(report, filename):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(COLUMNS)
    writer.writerows(report_rows(report))
    return response
