"""Organization pages (list, page, edit) and the joint plan (htmx inline item editing, print view).

Everyone who works the queue may look; the account's managers and admins change things
(oss_inbox.keyaccounts.permissions).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from oss_inbox.tickets.models import Organization

from . import plans
from .forms import OrganizationForm, PlanForm, PlanItemForm
from .models import JointPlan, PlanItem
from .organizations import organization_save
from .permissions import may_manage, may_send_notices, may_view_accounts, require
from .selectors import (
    organization_contacts,
    organization_for_user,
    organization_rows,
    organization_tickets,
    sla_record,
)
from .timeline import organization_timeline

PLAN = "keyaccounts/plan.html"


def organization_list(request):
    require(may_view_accounts(request.user))
    return render(
        request,
        "keyaccounts/organization_list.html",
        {
            "organizations": organization_rows(),
            "may_create": request.user.has_perm("tickets.manage_settings"),
            "may_send_notices": may_send_notices(request.user),
        },
    )


def organization_page(request, organization_id):
    organization = organization_for_user(request.user, organization_id)
    timeline = organization_timeline(organization, page=_page_number(request))
    if request.htmx and request.htmx.target == "timeline":
        return render(
            request,
            "keyaccounts/organization.html#timeline",
            {"organization": organization, "timeline": timeline},
        )
    open_tickets, past_tickets, past_count = organization_tickets(organization)
    return render(
        request,
        "keyaccounts/organization.html",
        {
            "organization": organization,
            "may_manage": may_manage(request.user, organization),
            "contacts": organization_contacts(organization),
            "domains": organization.domains.values_list("domain", flat=True),
            "known_identities": organization.known_identities.order_by("kind", "value"),
            "open_tickets": open_tickets,
            "past_tickets": past_tickets,
            "past_count": past_count,
            "records": sla_record(organization),
            "plans": organization.plans.order_by("-year")[:5],
            "this_year": plans.current_year(),
            "timeline": timeline,
        },
    )


def organization_edit(request, organization_id=None):
    if organization_id is None:
        require(request.user.has_perm("tickets.manage_settings"))
        organization = Organization()
    else:
        organization = organization_for_user(request.user, organization_id)
        require(may_manage(request.user, organization))
    form = OrganizationForm(request.POST or None, instance=organization, actor=request.user)
    if request.method == "POST" and form.is_valid():
        organization, attached = organization_save(form=form, actor=request.user)
        more = f" {attached} known contact(s) now belong to it." if attached else ""
        messages.success(request, f"Saved {organization.name}.{more}")
        return redirect("keyaccounts:organization", organization.pk)
    return render(request, "keyaccounts/organization_edit.html", {"form": form, "organization": organization})


def plan_current(request, organization_id):
    return redirect("keyaccounts:plan", organization_id, plans.current_year())


def plan_page(request, organization_id, year):
    """The plan; POST starts it (when there is none yet) or saves its summary, date and participants."""
    organization = organization_for_user(request.user, organization_id)
    if not plans.YEARS[0] <= year <= plans.YEARS[1]:
        raise Http404("No plan for that year.")
    plan = JointPlan.objects.filter(organization=organization, year=year).first()
    manage = may_manage(request.user, organization)
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST":
        require(manage)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            if plan is None:
                plans.plan_create(organization=organization, year=year, actor=request.user, **fields)
            else:
                plans.plan_change(plan=plan, actor=request.user, **fields)
            return redirect("keyaccounts:plan", organization.pk, year)
    return _render_plan(
        request,
        organization,
        plan,
        year,
        manage=manage,
        plan_form=form,
        editing_header=request.method == "POST" or "edit" in request.GET,
    )


@require_POST
def plan_item_add(request, organization_id, year):
    organization, plan = _plan_to_change(request, organization_id, year)
    group = request.POST.get("group", "")  # which kind's add form posted: its fields carry that prefix
    form = PlanItemForm(
        request.POST, prefix=f"add-{group if group in PlanItem.Kind.values else PlanItem.Kind.COMMITMENT}"
    )
    if not form.is_valid():
        return _render_items(request, organization, plan, add_form=form)
    plans.plan_item_add(plan=plan, actor=request.user, **form.cleaned_data)
    return _saved(request, organization, plan)


def plan_item_edit(request, organization_id, year, item_id):
    """GET: the item as a form (in place of its row). POST: save it and answer with every group."""
    organization, plan = _plan_to_change(request, organization_id, year)
    item = get_object_or_404(PlanItem, pk=item_id, plan=plan)
    form = PlanItemForm(request.POST or None, instance=item, prefix=f"item-{item.pk}")
    if request.method == "POST":
        if form.is_valid():
            plans.plan_item_change(
                item=PlanItem.objects.get(pk=item.pk), actor=request.user, **form.cleaned_data
            )
            return _saved(request, organization, plan)
        return _render_items(request, organization, plan, edit_form=form)
    if request.htmx:
        return render(
            request,
            f"{PLAN}#item-form",
            {"organization": organization, "plan": plan, "item": item, "form": form},
        )
    return _render_plan(request, organization, plan, year, manage=True, edit_form=form)


def _plan_to_change(request, organization_id, year):
    organization = organization_for_user(request.user, organization_id)
    require(may_manage(request.user, organization))
    return organization, get_object_or_404(JointPlan, organization=organization, year=year)


def _saved(request, organization, plan):
    """htmx gets the groups back to swap in; a plain form post goes back to the plan page."""
    if request.htmx:
        return _render_items(request, organization, plan)
    return redirect("keyaccounts:plan", organization.pk, plan.year)


def _render_items(request, organization, plan, *, add_form=None, edit_form=None):
    context = _items_context(organization, plan, manage=True, add_form=add_form, edit_form=edit_form)
    if request.htmx:
        return render(request, f"{PLAN}#plan-items", context)
    return _render_plan(
        request, organization, plan, plan.year, manage=True, add_form=add_form, edit_form=edit_form
    )


def _render_plan(
    request,
    organization,
    plan,
    year,
    *,
    manage,
    plan_form=None,
    editing_header=False,
    add_form=None,
    edit_form=None,
):
    context = {
        **(
            _items_context(organization, plan, manage=manage, add_form=add_form, edit_form=edit_form)
            if plan
            else {}
        ),
        "organization": organization,
        "plan": plan,
        "year": year,
        "may_manage": manage,
        "plan_form": plan_form or PlanForm(instance=plan),
        "editing_header": editing_header or plan is None,
        "other_years": organization.plans.exclude(year=year).values_list("year", flat=True),
    }
    return render(request, PLAN, context)


def _items_context(organization, plan, *, manage, add_form=None, edit_form=None):
    """The plan's items grouped by kind, each group with its add form; one item may be in edit."""
    items = list(plan.items.all())
    today = timezone.localdate()
    groups = []
    for kind, label in PlanItem.Kind.choices:
        bound = add_form if add_form is not None and add_form.prefix == f"add-{kind}" else None
        groups.append(
            {
                "kind": kind,
                "label": label,
                "plural": f"{label}s",
                "add_label": f"Add {'an' if label[0] in 'AEIOU' else 'a'} {label.lower()}",
                "items": [item for item in items if item.kind == kind],
                "add_form": bound or PlanItemForm(prefix=f"add-{kind}", initial={"kind": kind}),
                "add_open": bound is not None,
            }
        )
    for item in items:
        item.is_overdue = item.is_open and item.due_date is not None and item.due_date < today
        item.form = edit_form if edit_form is not None and edit_form.instance.pk == item.pk else None
    return {
        "organization": organization,
        "plan": plan,
        "groups": groups,
        "may_manage": manage,
        "overdue_count": sum(item.is_overdue for item in items),
    }


def _page_number(request):
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10_000 else 1
