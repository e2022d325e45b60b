"""Admin pages for safety: the phrase list (with a test box and its audit), the safety replies per
channel, and who is on call. Supervisors may look at the on-call page; only admins change anything.

The test box is a GET form: htmx asks for its result as the admin types, and without JavaScript the
same address answers with the whole page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from oss_inbox.sla.models import CoverageSchedule
from oss_inbox.sla.schedules import coverage_status
from oss_inbox.staff.roles import queue_workers

from .defaults import KINDS, TOPIC_OF
from .detector import CATEGORY_NAMES
from .forms import (
    CATEGORY_HELP,
    CATEGORY_WORDS,
    LANGUAGE_WORDS,
    TOPIC_HELP,
    OnCallForm,
    PhraseForm,
    SafetyReplyForm,
    kind_is_public,
    kind_words,
)
from .lists import detectors, phrase_delete
from .models import OnCall, PhraseChange, SafetyPhrase, SafetyReply
from .oncall import on_call_now

manage_settings = permission_required("tickets.manage_settings", raise_exception=True)
view_on_call = permission_required("tickets.view_dashboards", raise_exception=True)  # supervisors too
TEST_CHARS = 5000  # the test box reads this much of a message
LATEST_CHANGES = 5


# -- the phrase list -----------------------------------------------------------------------------


@manage_settings
def phrase_list(request):
    """The list by category and language; adding a phrase (POST); the test box (GET ?message=)."""
    form = PhraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phrase = form.save(actor=request.user)
        if phrase is not None:
            messages.success(request, f"Added “{phrase.pattern}” to {CATEGORY_WORDS[phrase.category]}.")
            return redirect("safety:phrases")
    test = phrase_test(request.GET.get("message", ""))
    if request.htmx and "message" in request.GET:
        return render(request, "safety/phrases.html#test-result", {"test": test})
    changes = PhraseChange.objects.select_related("actor")[:LATEST_CHANGES]
    context = {
        "form": form,
        "test": test,
        "groups": phrase_groups(SafetyPhrase.objects.order_by("position", "id")),
        "changes": [change_row(change) for change in changes],
        "tab": "phrases",
    }
    return render(request, "safety/phrases.html", context)


@manage_settings
def phrase_edit(request, phrase_id):
    phrase = get_object_or_404(SafetyPhrase, pk=phrase_id)
    initial = {"category": phrase.category, "language": phrase.language, "pattern": phrase.pattern}
    form = PhraseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and form.save(actor=request.user, phrase=phrase):
        messages.success(request, f"Saved “{phrase.pattern}” in {CATEGORY_WORDS[phrase.category]}.")
        return redirect("safety:phrases")
    return render(request, "safety/phrase_edit.html", {"form": form, "phrase": phrase, "tab": "phrases"})


@manage_settings
@require_POST
def phrase_remove(request, phrase_id):
    phrase = get_object_or_404(SafetyPhrase, pk=phrase_id)
    phrase_delete(actor=request.user, phrase=phrase)
    messages.success(request, f"Removed “{phrase.pattern}” from {CATEGORY_WORDS[phrase.category]}.")
    return redirect("safety:phrases")


@manage_settings
def phrase_changes(request):
    page = Paginator(PhraseChange.objects.select_related("actor"), 50).get_page(request.GET.get("page"))
    rows = [change_row(change) for change in page]
    return render(request, "safety/changes.html", {"page": page, "rows": rows, "tab": "phrases"})


def phrase_groups(phrases):
    """[(category, words, help, [(language words, [phrase])])] in the page's order, empty ones left out."""
    by_key = {}
    for phrase in phrases:
        by_key.setdefault((phrase.category, phrase.language), []).append(phrase)
    groups = []
    for category, words in CATEGORY_WORDS.items():
        languages = [
            (language_words, by_key[category, language])
            for language, language_words in LANGUAGE_WORDS.items()
            if (category, language) in by_key
        ]
        if languages:
            groups.append((category, words, CATEGORY_HELP.get(category, ""), languages))
    return groups


def phrase_test(message):
    """What the list in force makes of a message: for any customer, and for a critical-care one."""
    message = message[:TEST_CHARS]
    if not message.strip():
        return {"message": message}
    found = detectors().detect(message)
    critical = found or detectors().detect(message, critical_care=True)
    return {
        "message": message,
        "found": detection_words(found, message) if found else None,
        "critical": detection_words(critical, message) if critical else None,
    }


def detection_words(detection, message):
    """A detection as the test box shows it: the message with the matched words marked, and why."""
    start = message.find(detection.matched) if detection.matched else -1
    end = start + len(detection.matched)
    topic = TOPIC_OF.get(detection.category)
    return {
        "category": CATEGORY_NAMES[detection.category],
        "why": detection.why,
        "phrase": detection.phrase,
        "language": LANGUAGE_WORDS.get(detection.phrase.language, detection.phrase.language),
        "advice": SafetyReply.Topic(topic).label if topic else "",
        "marked": (message[:start], message[start:end], message[end:]) if start >= 0 else None,
    }


def change_row(change):
    """(change, who, before words, after words) for the audit table."""
    actor = change.actor
    who = (actor.get_full_name() or actor.get_username()) if actor else "a removed user"
    return change, who, snapshot_words(change.before), snapshot_words(change.after)


def snapshot_words(snapshot):
    if not snapshot:
        return ""
    category = CATEGORY_WORDS.get(snapshot.get("category"), snapshot.get("category"))
    language = LANGUAGE_WORDS.get(snapshot.get("language"), snapshot.get("language"))
    return f"“{snapshot.get('pattern', '')}” ({category}, {language})"


# -- safety replies ------------------------------------------------------------------------------


@manage_settings
def replies(request, kind=KINDS[0]):
    """One channel's safety texts (every topic and language); saved together, or not at all."""
    if kind not in KINDS:
        raise Http404("No such channel.")
    forms = [
        SafetyReplyForm(request.POST or None, instance=reply, prefix=f"{reply.topic}-{reply.language}")
        for reply in SafetyReply.objects.filter(kind=kind).order_by("topic", "language")
    ]
    if request.method == "POST" and all([form.is_valid() for form in forms]):
        with transaction.atomic():
            for form in forms:
                if form.has_changed():
                    form.save()
        messages.success(request, f"Saved the safety replies for {kind_words(kind)}.")
        return redirect("safety:replies_of", kind)
    topics = {}
    for form in forms:
        topic = form.instance
        topics.setdefault((topic.get_topic_display(), TOPIC_HELP.get(topic.topic, "")), []).append(form)
    context = {
        "kind": kind,
        "kind_words": kind_words(kind),
        "public": kind_is_public(kind),
        "kinds": [(each, kind_words(each)) for each in KINDS],
        "topics": topics.items(),
        "tab": "replies",
    }
    return render(request, "safety/replies.html", context)


# -- on call -------------------------------------------------------------------------------------


@view_on_call
def on_call(request):
    """Everyone with a role, on the list or not; admins change the list, supervisors read it."""
    may_edit = request.user.has_perm("tickets.manage_settings")
    if request.method == "POST" and not may_edit:
        raise PermissionDenied("Only an admin may change who is on call.")
    schedules = list(CoverageSchedule.objects.all())
    people = list(queue_workers().prefetch_related("groups"))
    settings = {row.user_id: row for row in OnCall.objects.filter(user__in=people).select_related("schedule")}
    rows = [
        (person, settings.get(person.pk), _on_call_form(request, person, settings.get(person.pk), schedules))
        for person in people
    ]
    if request.method == "POST" and all([form.is_valid() for _, _, form in rows]):
        with transaction.atomic():
            for person, setting, form in rows:
                on_call_save(person, setting, form.cleaned_data)
        messages.success(request, "Saved who is on call.")
        return redirect("safety:on_call")
    context = {
        "rows": [(person, setting, form, _role_words(person)) for person, setting, form in rows],
        "may_edit": may_edit,
        "has_errors": any(form.errors for _, _, form in rows),
        "tab": "on_call",
        **on_call_status(timezone.now(), any(setting.enabled for setting in settings.values())),
    }
    return render(request, "safety/on_call.html", context)


def _on_call_form(request, person, setting, schedules):
    initial = (
        {"enabled": setting.enabled, "schedule": setting.schedule_id, "sms_email": setting.sms_email}
        if setting
        else {}
    )
    data = request.POST if request.method == "POST" else None
    return OnCallForm(data, initial=initial, prefix=f"user-{person.pk}", schedules=schedules)


def on_call_save(person, setting, data):
    """Store one person's on-call setting; nobody gets a row until they are put on the list."""
    values = {"enabled": data["enabled"], "schedule_id": data["schedule"], "sms_email": data["sms_email"]}
    if setting is None:
        if data["enabled"] or data["sms_email"] or data["schedule"]:
            OnCall.objects.create(user=person, **values)
        return
    if any(getattr(setting, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(setting, name, value)
        setting.save()


def on_call_status(now, anyone_listed):
    """Who is on call now, and a warning when a safety report now would reach only the supervisors."""
    now_on_call = on_call_now(now)
    closed = [line.name for line in coverage_status(now) if not line.covered]
    warning = ""
    if closed and not now_on_call:
        warning = (
            f"Coverage is closed now ({', '.join(closed)}) and nobody is on call: safety reports tonight "
            "would go to the supervisors only."
        )
    elif not anyone_listed:
        warning = (
            "Nobody is on the on-call list: out of coverage hours, safety reports go to the supervisors only."
        )
    names = [setting.user.get_full_name() or setting.user.get_username() for setting in now_on_call]
    return {"on_call_now": names, "warning": warning}


def _role_words(person):
    groups = [group.name for group in person.groups.all()]
    return ", ".join(groups) or ("Admin (superuser)" if person.is_superuser else "")
