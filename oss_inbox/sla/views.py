"""Admin pages for coverage schedules: list, and the week-grid editor (htmx, no page reloads).

The editor posts its whole draft on every change; the view applies one action to it and answers
with the re-rendered editor (add, remove, move, import) or only the feedback (errors and preview).
Save is a plain form submit that redirects, so the page works without JavaScript too.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from channels.models import ChannelAccount

from .drafts import (
    WEEKDAYS,
    FieldError,
    ScheduleDraft,
    draft_add_override,
    draft_add_window,
    draft_from_post,
    draft_from_schedule,
    draft_preview_schedule,
    draft_remove,
    draft_validate,
    snapshot_schedule,
)
from .models import CoverageSchedule
from .policies import builtin_schedule
from .preview import hours_words, schedule_preview
from .schedules import (
    HolidayImportError,
    change_summary,
    draft_import_holidays,
    holiday_countries,
    schedule_save,
    schedule_snapshot,
    weekly_words,
)

manage_settings = permission_required("tickets.manage_settings", raise_exception=True)
TEMPLATE = "sla/schedule_edit.html"


@manage_settings
def schedule_list(request):
    """Each schedule with its hours and the accounts on it, by name (the default's include every
    account that chose none), so that a schedule nobody uses shows as such."""
    schedules = CoverageSchedule.objects.prefetch_related(
        Prefetch("accounts", ChannelAccount.objects.order_by("name"))
    )
    without = list(ChannelAccount.objects.filter(coverage_schedule=None).order_by("name"))
    rows = [
        (
            schedule,
            weekly_words(schedule.weekly),
            [*schedule.accounts.all(), *(without if schedule.is_default else [])],
        )
        for schedule in schedules
    ]
    return render(request, "sla/schedule_list.html", {"rows": rows})


@manage_settings
def schedule_edit(request, schedule_id=None):
    schedule = get_object_or_404(CoverageSchedule, pk=schedule_id) if schedule_id else CoverageSchedule()
    if request.method != "POST":
        return _editor(request, schedule, _initial_draft(schedule))
    draft, action = draft_from_post(request.POST), request.POST.get("action", "preview")
    if action == "save":
        errors = schedule_save(schedule=schedule, draft=draft, actor=request.user)
        if not errors:
            messages.success(request, f"Saved {schedule.name}. Open tickets' due times are being recomputed.")
            return redirect("sla:schedule", schedule.pk)
        return _editor(request, schedule, draft, errors=errors, part="feedback")
    notice, errors = _apply(draft, action, request.POST)
    return _editor(
        request,
        schedule,
        draft,
        notice=notice,
        errors=errors,
        part="feedback" if action == "preview" else "editor",
    )


def _initial_draft(schedule):
    """The saved schedule; for a new one, the default schedule's weekly hours."""
    if schedule.pk:
        return draft_from_schedule(schedule)
    default = CoverageSchedule.objects.filter(is_default=True).first() or builtin_schedule()
    return ScheduleDraft("", default.timezone, draft_from_schedule(default).windows, [])


def _apply(draft, action, data):
    """Apply one editor action to the draft: (notice, errors)."""
    verb, _, argument = action.rpartition("-") if action[-1:].isdigit() else (action, "", "")
    if verb == "add-window":
        draft_add_window(draft, int(argument))
    elif verb == "remove-window":
        draft_remove(draft.windows, int(argument))
    elif verb == "remove-override":
        draft_remove(draft.overrides, int(argument))
    elif verb == "add-override":
        return _add_override(draft, data)
    elif verb == "import-holidays":
        return _import_holidays(draft, data)
    return "", []


def _add_override(draft, data):
    day = data.get("new_override_date", "")
    if not day:
        return "", [FieldError("Choose the date of the override.", "new-override")]
    draft_add_override(
        draft,
        day,
        data.get("new_override_label", ""),
        data.get("new_override_start", ""),
        data.get("new_override_end", ""),
    )
    return "", []


def _import_holidays(draft, data):
    country, region = data.get("holiday_country", ""), data.get("holiday_region", "").strip()
    year = data.get("holiday_year", "")
    try:
        added, kept, past = draft_import_holidays(
            draft, country, int(year) if year.isdigit() else 0, region, since=timezone.localdate()
        )
    except HolidayImportError as error:
        return "", [FieldError(str(error), "holidays")]
    notes = [
        f"left out {past} already past" if past else "",
        f"kept {kept} date(s) that already had an override" if kept else "",
    ]
    details = "".join(f"; {note}" for note in notes if note)
    return (
        f"Added {added} public holiday(s) of {country} {year}{details}. Remove any the team works, then "
        "save.",
        [],
    )


def _editor(request, schedule, draft, *, notice="", errors=(), part=None):
    _order_as_shown(draft)
    built, problems = draft_validate(draft)
    errors = list(dict.fromkeys([*errors, *problems]))
    marks = _marks(errors)
    context = {
        "schedule": schedule,
        "draft": draft,
        "notice": notice,
        "errors": errors,
        "marks": marks,
        "new_override_mark": marks.get("new-override", ""),
        "week": [
            (day, name, _window_rows(draft, day, marks), marks.get(f"day-{day}", ""))
            for day, name in enumerate(WEEKDAYS)
        ],
        # htmx's preview answer replaces only the feedback pane: the marks beside the fields go with it.
        "oob_marks": _slots(draft, marks) if request.htmx and part == "feedback" else [],
        **_overrides_context(draft, marks),
        "countries": holiday_countries(),
        "year": timezone.now().year,
        "history": [
            (change, change_summary(change.before, change.after))
            for change in schedule.changes.select_related("actor")[:10]
        ]
        if schedule.pk
        else [],
    }
    if built is None and errors:  # the preview keeps showing, of the rows without errors
        built = draft_preview_schedule(draft, schedule.timezone or "America/Chicago")
        context["preview_partial"] = built is not None
    if built is not None:
        context.update(_preview_context(schedule, built, draft))
    if request.htmx and part:
        return render(request, f"{TEMPLATE}#{part}", context)
    return render(request, TEMPLATE, context)


def _order_as_shown(draft):
    """Put rows in the order the page lists them, so that the form posts them back in list order
    and a button's row index ("remove-window-3") names the row it is on. Windows keep their order
    within a day while edited (no row jumps under the cursor); overrides ahead come before the
    folded past ones."""
    today = timezone.localdate().isoformat()
    draft.windows.sort(key=lambda window: window.day)
    draft.overrides.sort(key=lambda override: (_is_past(override, today), override.date))


def _window_rows(draft, day, marks):
    return [(index, window, marks.get(f"window-{index}", "")) for index, window in draft.windows_on(day)]


def _marks(errors):
    """{the input an error belongs to ("window-3", "timezone"): its messages, as one text}."""
    marks = {}
    for error in errors:
        field = getattr(error, "field", "")
        if field:
            marks[field] = f"{marks[field]} {error}" if field in marks else str(error)
    return marks


def _slots(draft, marks):
    """(slot, text) for every place an error can show beside the editor's fields, empty ones too:
    the preview answer sends them all, so that a fixed field loses its mark."""
    slots = ["name", "timezone", "week", "new-override", "holidays"]
    slots += [f"day-{day}" for day in range(7)]
    slots += [f"window-{index}" for index in range(len(draft.windows))]
    slots += [f"override-{index}" for index in range(len(draft.overrides))]
    return [(slot, marks.get(slot, "")) for slot in slots]


def _overrides_context(draft, marks):
    """Overrides still ahead, and past ones (folded away, but posted back so a save keeps them)."""
    today = timezone.localdate().isoformat()
    rows = [
        (index, override, marks.get(f"override-{index}", ""))
        for index, override in enumerate(draft.overrides)
    ]
    return {
        "overrides_ahead": [row for row in rows if not _is_past(row[1], today)],
        "overrides_past": [row for row in rows if _is_past(row[1], today)],
    }


def _is_past(override, today):
    return bool(override.date) and override.date < today  # an unreadable date stays in view


def _preview_context(schedule, built, draft):
    saved = snapshot_schedule(schedule_snapshot(schedule)) if schedule.pk else None
    labels = {override.date: override.label or "Override" for override in draft.overrides}
    days, total, saved_total = schedule_preview(built, saved, labels)
    return {
        "preview": [(day, hours_words(day.covered)) for day in days],
        "preview_total": hours_words(total),
        "saved_total": hours_words(saved_total) if saved_total is not None and saved_total != total else "",
    }
