from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .filters import filters_from, local_today, presets, staff_choices
from .page import TABLES, Dashboard, Sections, table
from .rollup import rollup_refresh_if_stale
from .satisfaction import satisfaction_summary

view_dashboards = permission_required("tickets.view_dashboards", raise_exception=True)


@view_dashboards
def dashboard(request):
    """The page; for htmx, the part asked for: the filters swap #dashboard, the poll #dashboard-body."""
    now = timezone.now()
    rollup_refresh_if_stale(now)
    sections, form = _sections(request, now)
    template = "dashboards/page.html"
    if request.htmx:
        template += "#body" if request.htmx.target == "dashboard-body" else "#dashboard"
    context = {
        "board": Dashboard(sections),
        "form": form,
        "presets": presets(sections.filters, local_today(now)),
        "satisfaction": satisfaction_summary(sections.filters),
    }
    return render(request, template, context)


@view_dashboards
def export(request, slug):
    """One table of the dashboard as CSV, for the same filters as the page."""
    if slug not in TABLES:
        raise Http404("No such table.")
    sections, _ = _sections(request, timezone.now())
    response = HttpResponse(table(slug, sections).csv(), content_type="text/csv; charset=utf-8")
    name = f"{slug}-{sections.filters.start}-to-{sections.filters.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _sections(request, now):
    staff = staff_choices()
    filters, form = filters_from(request.GET, staff=staff, today=local_today(now))
    return Sections(filters, now, staff), form
