"""Storm mode's settings pages, for supervisors and admins.

- The gazetteer (/settings/gazetteer/): what is loaded (areas and their places, counted by kind), the
  CSV upload with every bad line said in words, and a box to try a message: is it an outage report,
  which places it names, which area they narrow down to.
- The outage feeds (/settings/outage-feeds/): see below."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .assign import incident_for_report
from .feed import incident_status
from .feed_forms import FeedSourceForm
from .feed_sync import FeedLinkRefused, feed_item_link, feed_poll
from .gazetteer import current_gazetteer, gazetteer_load
from .models import Area, FeedItem, FeedSource, Incident, Place
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


# The outage feeds page (/settings/outage-feeds/): each source with its last poll, its last error in
# words and the outages it lists (matched area, the incident following each); add, edit, disable a
# source, poll it now, choose which item an open incident follows.

FEEDS_PAGE = "incidents/feeds.html"
FEED_EDIT_PAGE = "incidents/feeds_edit.html"
ITEMS_SHOWN = 200


@supervisors
def feeds(request):
    return _feeds_render(request)


@supervisors
@require_POST
def feed_add(request):
    form = FeedSourceForm(request.POST)
    if not form.is_valid():
        return _feeds_render(request, form=form, status=REFUSED)
    feed = form.save()
    messages.success(request, f"“{feed.name}” added: it is polled every {feed.poll_seconds} seconds.")
    return redirect("incidents:feeds")


@supervisors
def feed_edit(request, feed_id):
    feed = get_object_or_404(FeedSource, pk=feed_id)
    form = FeedSourceForm(request.POST or None, instance=feed)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, f"“{feed.name}” saved.")
            return redirect("incidents:feeds")
        return render(request, FEED_EDIT_PAGE, {"form": form, "feed": feed}, status=REFUSED)
    return render(request, FEED_EDIT_PAGE, {"form": form, "feed": feed})


@supervisors
@require_POST
def feed_toggle(request, feed_id):
    feed = get_object_or_404(FeedSource, pk=feed_id)
    enabled = request.POST.get("enabled") == "1"
    FeedSource.objects.filter(pk=feed.pk).update(enabled=enabled)
    messages.success(request, f"“{feed.name}” {'is polled again' if enabled else 'is no longer polled'}.")
    return redirect("incidents:feeds")


@supervisors
@require_POST
def feed_poll_now(request, feed_id):
    feed = get_object_or_404(FeedSource, pk=feed_id)
    if not feed.enabled:
        messages.error(request, f"“{feed.name}” is disabled: enable it to poll it.")
        return redirect("incidents:feeds")
    result = feed_poll(feed, force=True)
    if not result.polled:
        messages.info(request, f"“{feed.name}” was being polled at that moment: see its last poll below.")
    elif result.error and not result.items:
        messages.error(request, f"“{feed.name}”: {result.error}")
    else:
        said = (
            f"{result.items} outage(s) listed, {result.gone} no longer, "
            f"{result.incidents_changed} incident(s) updated."
        )
        messages.success(request, f"“{feed.name}” polled: {said}{' ' + result.error if result.error else ''}")
    return redirect("incidents:feeds")


@supervisors
@require_POST
def feed_link(request):
    incident = get_object_or_404(Incident, pk=_number(request.POST.get("incident")))
    chosen = request.POST.get("item", "")
    item = get_object_or_404(FeedItem, pk=_number(chosen)) if chosen else None  # "": no item
    try:
        feed_item_link(incident, item, user=request.user)
    except FeedLinkRefused as refused:
        messages.error(request, str(refused))
    else:
        followed = f"follows {item.area_name}" if item else "follows no feed item"
        messages.success(request, f"“{incident.title}” {followed}.")
    return redirect("incidents:feeds")


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such choice.") from None


def _feeds_render(request, *, form=None, status=200):
    sources = list(FeedSource.objects.all())
    items = (
        FeedItem.objects.filter(source__in=sources)
        .select_related("area")
        .prefetch_related(
            Prefetch("incidents", queryset=Incident.objects.open().only("id", "title", "feed_item_id"))
        )
        .order_by("gone_at", "-customers_out", "area_name")
    )
    by_source = {}
    for item in items:
        shown = by_source.setdefault(item.source_id, [])
        if len(shown) < ITEMS_SHOWN:
            item.feed_status = incident_status(item.status)
            shown.append(item)
    for feed in sources:
        feed.shown_items = by_source.get(feed.pk, [])
    context = {
        "sources": sources,
        "form": form or FeedSourceForm(),
        "open_incidents": Incident.objects.open().select_related("feed_item").order_by("title"),
        "listed_items": [item for feed in sources for item in feed.shown_items if item.gone_at is None],
    }
    return render(request, FEEDS_PAGE, context, status=status)
