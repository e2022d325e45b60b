"""The automatic-assignment page (/settings/assignment/): each channel account's mode, switched by
admins, and who takes tickets now; supervisors read it. Anyone who works the queue may mark
themselves available or away from it (the same switch as on their own settings page)."""

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from channels.models import Assignment, ChannelAccount
from oss_inbox.staff.last_seen import SEEN_WITHIN, signed_in_user_ids
from oss_inbox.staff.models import StaffProfile
from oss_inbox.staff.profiles import profile_of
from oss_inbox.staff.roles import queue_workers
from oss_inbox.tickets.selectors import open_tickets_by_assignee
from oss_inbox.tickets.services.assignment import account_set_assignment, agent_set_available

view_assignment = permission_required("tickets.view_dashboards", raise_exception=True)  # supervisors too
work_queue = permission_required("tickets.work_queue", raise_exception=True)

MODE_WORDS = {
    Assignment.OFF: "Automatic assignment is off for {account}: agents claim its tickets.",
    Assignment.ROUND_ROBIN: "{account}: new tickets now go to the available agent who waited longest.",
    Assignment.CAPACITY: "{account}: new tickets now go to the available agent with the most spare capacity.",
}


class AccountAssignmentForm(forms.Form):
    account = forms.ModelChoiceField(queryset=ChannelAccount.objects.all())
    assignment = forms.ChoiceField(choices=Assignment.choices, required=False, label="Assignment")


@dataclass
class AgentRow:
    """One person who works the queue, as the page shows them."""

    user: object
    profile: StaffProfile
    signed_in: bool
    open_tickets: int

    @property
    def name(self):
        return self.user.get_full_name() or self.user.get_username()

    @property
    def state(self):
        if not self.profile.available:
            return "Away"
        if not self.signed_in:
            return "Available, not signed in"
        if self.open_tickets >= self.profile.capacity:
            return "On shift, full"
        return "On shift"

    @property
    def on_shift(self):
        return self.profile.available and self.signed_in


def agent_rows(now: datetime) -> list[AgentRow]:
    """Everyone who works the queue, those on shift first: four queries, whatever the team's size."""
    people = list(queue_workers())
    ids = [person.pk for person in people]
    profiles = {profile.user_id: profile for profile in StaffProfile.objects.filter(user_id__in=ids)}
    signed_in = signed_in_user_ids(now, ids)
    counts = open_tickets_by_assignee(ids)
    rows = [
        AgentRow(
            person,
            profiles.get(person.pk) or profile_of(person),
            person.pk in signed_in,
            counts.get(person.pk, 0),
        )
        for person in people
    ]
    return sorted(rows, key=lambda row: not row.on_shift)  # stable: by name within each group


@view_assignment
def assignment(request):
    """The page; an admin's POST switches one account (`account`, `assignment`)."""
    may_edit = request.user.has_perm("tickets.manage_settings")
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("Only an admin may change how tickets are assigned.")
        form = AccountAssignmentForm(request.POST)
        if form.is_valid():
            account, mode = form.cleaned_data["account"], form.cleaned_data["assignment"]
            given = account_set_assignment(account, mode)
            text = MODE_WORDS[mode].format(account=account.name)
            messages.success(request, text + _given_words(given))
            return redirect("inbox:assignment")
        messages.error(request, "Choose one of the assignment modes offered.")
    accounts = list(
        ChannelAccount.objects.order_by("name").only("id", "name", "kind", "enabled", "assignment")
    )
    context = {
        "accounts": accounts,
        "modes": Assignment.choices,
        "agents": agent_rows(timezone.now()),
        "me": profile_of(request.user),
        "may_edit": may_edit,
        "seen_minutes": int(SEEN_WITHIN.total_seconds() // 60),
    }
    return render(request, "inbox/assignment.html", context)


@require_POST
@work_queue
def set_available(request):
    """Mark oneself available (on shift: automatic assignment may give you tickets) or away."""
    available = request.POST.get("available") == "1"
    given = agent_set_available(request.user, available)
    if available:
        text = "You are available: automatic assignment gives you new tickets while you are signed in."
    else:
        text = "You are away: automatic assignment gives you no new tickets. Your open tickets stay yours."
    messages.success(request, text + _given_words(given, request.user))
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("inbox:assignment" if request.user.has_perm("tickets.view_dashboards") else "inbox:queue")


def _given_words(given, user=None):
    """The end of the page's message: ' 3 waiting tickets went out now, 2 to you.'"""
    if not given:
        return ""
    words = f" {len(given)} waiting {'ticket' if len(given) == 1 else 'tickets'} went out now"
    if user is not None:
        words += f", {sum(1 for done in given if done.agent.user.pk == user.pk)} to you"
    return words + "."
