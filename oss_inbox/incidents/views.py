"""The gazetteer page, for supervisors and admins (/settings/gazetteer/): what is loaded (areas and
their places, counted by kind), the CSV upload with every bad line said in words, and a box to try a
message: is it an outage report, which places it names, which area they narrow down to."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .assign import incident_for_report
from .gazetteer import current_gazetteer, gazetteer_load
from .models import Area, Place
from .outage import detect_outage
from .places import find_places, narrow_areas

PAGE = "incidents/gazetteer.html"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
REFUSED = 422
KIND_PLURALS = {
    "town": "towns", "zip": "ZIP codes", "neighbourhood": "neighbourhoods", "street": "streets",
    "feeder": "feeders", "substation": "substations",
}  # fmt: skip

supervisors = permission_required("tickets.view_dashboards", raise_exception=True)


@supervisors
def gazetteer(request):
    return _render(request, tried=_try(request.GET.get("message", "")))


@supervisors
@require_POST
def gazetteer_upload(request):
    upload = request.FILES.get("file")
    problem = _upload_problem(upload)
    if problem:
        return _render(request, errors=[problem], status=REFUSED)
    try:
        content = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return _render(
            request, errors=["The file is not UTF-8 text: save it as “CSV UTF-8”."], status=REFUSED
        )
    result = gazetteer_load(content)
    if result.errors:
        return _render(request, errors=[result.summary, *result.errors], status=REFUSED)
    messages.success(request, result.summary)
    return redirect("incidents:gazetteer")


def _upload_problem(upload):
    if upload is None:
        return "Choose a CSV file to upload."
    if upload.size > MAX_UPLOAD_BYTES:
        return f"The file is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: is it the right file?"
    return None


def _try(text):
    """What the detectors make of a message typed on the page."""
    text = text.strip()[:2000]
    if not text:
        return None
    where = narrow_areas(find_places(text, current_gazetteer()))
    areas = {area.pk: area for area in Area.objects.filter(pk__in=where.area_ids)}
    return {
        "text": text,
        "outage": detect_outage(text),
        "where": where,
        "areas": [areas[pk] for pk in sorted(areas)],
        "incident": incident_for_report(where.area_ids, preferred_area_id=where.area_id) if areas else None,
    }


def _render(request, *, tried=None, errors=(), status=200):
    kinds = dict(Place.objects.values_list("kind").annotate(count=Count("id")).order_by())
    context = {
        "kinds": [(KIND_PLURALS[value], kinds.get(value, 0)) for value in Place.Kind.values],
        "areas": Area.objects.annotate(place_count=Count("places")).order_by("name"),
        "tried": tried,
        "errors": errors,
        "max_upload_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    return render(request, PAGE, context, status=status)
