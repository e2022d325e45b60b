"""The People page (admins): the team, inviting someone, and one person's role, capacity and access."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from oss_inbox.errors import get_or_404

from . import people
from .people_forms import CapacityForm, InviteForm, RoleForm
from .people_selectors import (
    changes_of,
    held_tickets,
    key_accounts_of,
    people_rows,
    person_row,
    recent_changes,
)

manage_people = permission_required("tickets.manage_settings", raise_exception=True)


@manage_people
@require_http_methods(["GET", "POST"])
def people_list(request):
    """Everyone on the team, and the invitation form (POST invites)."""
    form = InviteForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            person = people.person_invite(actor=request.user, **form.cleaned_data)
        except people.PeopleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Invited {people.name_of(person)}: an email with a link to set a password is on its way to "
                f"{person.email}.",
            )
            return redirect("people:list")
    context = {"rows": people_rows(), "form": form, "changes": recent_changes(), "tab": "people"}
    return render(request, "staff/people.html", context, status=400 if form.errors else 200)


# action -> (its form, or None for a button, and the service that does it)
ACTIONS = {
    "role": (RoleForm, people.person_set_role),
    "capacity": (CapacityForm, people.person_set_capacity),
    "deactivate": (None, people.person_deactivate),
    "reactivate": (None, people.person_reactivate),
    "link": (None, people.invitation_resend),
}
DONE = {
    "role": "Role saved.",
    "capacity": "Capacity saved.",
    "deactivate": "{name} is deactivated: they cannot sign in and are no longer offered tickets.",
    "reactivate": "{name} is active again and can sign in.",
    "link": "A link to set a password is on its way to {email}.",
}


@manage_people
@require_http_methods(["GET", "POST"])
def person_detail(request, user_id):
    """One person: their role, capacity and access (each a POST with `action`), the tickets they still
    hold and the changes made to them."""
    person = get_or_404(get_user_model().objects.all(), f"No person #{user_id}.", pk=user_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms, error = {}, ""
    if action in ACTIONS:
        form_class, act = ACTIONS[action]
        form = form_class(request.POST) if form_class else None
        if form is None or form.is_valid():
            try:
                act(actor=request.user, person=person, **(form.cleaned_data if form else {}))
            except people.PeopleError as refused:
                error = str(refused)
            else:
                messages.success(
                    request, DONE[action].format(name=people.name_of(person), email=person.email)
                )
                return redirect("people:person", user_id=person.pk)
        if form is not None:
            forms[action] = form
    return _person_page(request, person, forms, action=action, error=error)


def _person_page(request, person, forms, *, action="", error=""):
    row = person_row(person)
    context = {
        "row": row,
        "person": person,
        "role_form": forms.get("role") or RoleForm(initial={"role": row.role}),
        "capacity_form": forms.get("capacity") or CapacityForm(initial={"capacity": row.profile.capacity}),
        "held": held_tickets(person)[:100],
        "key_accounts": key_accounts_of(person),
        "changes": changes_of(person),
        "action": action,
        "error": error,
        "is_self": person.pk == request.user.pk,
        "tab": "people",
    }
    failed = bool(error) or any(form.errors for form in forms.values())
    return render(request, "staff/people_person.html", context, status=400 if failed else 200)
