"""Writes to joint plans. Each change also goes on the organization's timeline (an AccountEvent
PLAN) in words the account manager would use, so the quarterly update can say what moved."""

from django.db import transaction
from django.utils import formats, timezone

from .models import AccountEvent, JointPlan, PlanItem

SUMMARY_LENGTH = 300
ITEM_FIELDS = ("kind", "text", "owner_side", "owner_name", "due_date", "status", "notes")
PLAN_FIELDS = ("summary", "agreed_on", "participants")
YEARS = (2000, 2100)  # a plan's year, as a URL may name it


@transaction.atomic
def plan_create(*, organization, year, actor, **fields):
    plan = JointPlan.objects.create(organization=organization, year=year, **fields)
    _record(plan, actor, f"Started the {year} joint plan", {"plan": plan.pk})
    return plan


@transaction.atomic
def plan_change(*, plan, actor, **fields):
    """Change the plan's summary, date or participants; returns the names of what changed."""
    changed = _assign(plan, fields, PLAN_FIELDS)
    if changed:
        plan.save()
        names = ", ".join(JointPlan._meta.get_field(name).verbose_name for name in changed)
        _record(plan, actor, f"{plan.year} plan: changed the {names}", {"plan": plan.pk, "fields": changed})
    return changed


@transaction.atomic
def plan_item_add(*, plan, actor, **fields):
    item = PlanItem.objects.create(plan=plan, **fields)
    owner = f"{item.get_owner_side_display().lower()}{f': {item.owner_name}' if item.owner_name else ''}"
    due = f", due {_date(item.due_date)}" if item.due_date else ""
    summary = f"{plan.year} plan: added {item.get_kind_display().lower()} “{item.text}” ({owner}{due})"
    _record(plan, actor, summary, {"plan": plan.pk, "item": item.pk, "added": True})
    return item


@transaction.atomic
def plan_item_change(*, item, actor, **fields):
    """Change an item; the timeline entry names each change ("status: Not started → Done")."""
    before = {name: _shown(item, name) for name in ITEM_FIELDS}
    changed = _assign(item, fields, ITEM_FIELDS)
    if not changed:
        return changed
    item.save()
    changes = "; ".join(_change_words(name, before[name], _shown(item, name)) for name in changed)
    summary = f"{item.plan.year} plan: “{_short(item.text)}” — {changes}"
    _record(item.plan, actor, summary, {"plan": item.plan_id, "item": item.pk, "fields": changed})
    return changed


def _assign(instance, fields, allowed):
    changed = []
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(f"{name} cannot be changed here")
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _shown(item, name):
    if name in ("kind", "owner_side", "status"):
        return getattr(item, f"get_{name}_display")()
    if name == "due_date":
        return _date(item.due_date) if item.due_date else "none"
    return getattr(item, name) or "none"


def _change_words(name, before, after):
    label = PlanItem._meta.get_field(name).verbose_name
    if name in ("text", "notes"):
        return f"{label} edited"  # long texts would crowd out the rest of the line
    return f"{label}: {before} → {after}"


def _record(plan, actor, summary, data):
    AccountEvent.objects.create(
        organization_id=plan.organization_id,
        kind=AccountEvent.Kind.PLAN,
        actor=actor,
        summary=_short(summary, SUMMARY_LENGTH),
        data={**data, "year": plan.year},
    )


def _short(text, length=60):
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _date(day):
    return formats.date_format(day, "M j, Y")


def current_year():
    return timezone.localdate().year
