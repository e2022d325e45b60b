"""Your settings (/me/): the time zone you read times in, and whether you take new tickets now.

Open to everyone signed in. The zone is kept on StaffProfile and in the session (the middleware
reads it from there on every request, without a query).
"""

from functools import cache
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from oss_inbox.tickets.services.assignment import agent_set_available

from .middleware import remember_zone
from .models import StaffProfile
from .profiles import profile_of

# Zone names of the IANA database worth offering: "Region/City" (and UTC), not the aliases kept for
# old systems ("US/Central", "EST5EDT", "Etc/GMT+6", whose sign is the reverse of what people expect).
REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


@cache
def zone_choices():
    """Grouped choices for a <select>: the team's zone first, then each region's cities A-Z."""
    names = sorted(name for name in available_timezones() if name.split("/")[0] in REGIONS)
    groups = {}
    for name in names:
        region, _, place = name.partition("/")
        groups.setdefault(region, []).append((name, place.replace("_", " ").replace("/", " / ")))
    team = ("", f"The team's zone ({settings.TIME_ZONE})")
    return [team, ("UTC", "UTC"), *groups.items()]


class MySettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Times on every page are shown in this zone.",
        error_messages={
            "invalid_choice": "“%(value)s” is not a time zone we know: choose one from the list."
        },
    )

    class Meta:
        model = StaffProfile
        fields = ["time_zone", "available"]
        labels = {"available": "Available for new tickets"}
        help_texts = {
            "available": "When on, automatic assignment may give you new tickets while you are signed in."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = zone_choices()


def my_settings(request):
    """Show the form; a valid post saves the zone, hands availability to the assignment service,
    switches this session's zone and comes back."""
    form = MySettingsForm(request.POST or None, instance=profile_of(request.user))
    if request.method == "POST" and form.is_valid():
        zone = form.cleaned_data["time_zone"]
        # The zone column alone: a whole-row save would put back the capacity and last-assigned time
        # read at the start of this request over an admin's or the assigner's newer ones.
        StaffProfile.objects.update_or_create(user=request.user, defaults={"time_zone": zone})
        # Through the service: marked available, the waiting tickets come at once.
        agent_set_available(request.user, form.cleaned_data["available"])
        remember_zone(request, zone)
        shown = zone or f"the team's zone, {settings.TIME_ZONE}"
        messages.success(request, f"Saved. Times are shown in {shown}.")
        return redirect("my_settings")
    context = {"form": form, "team_zone": settings.TIME_ZONE, "now": timezone.now()}
    return render(request, "staff/me.html", context, status=400 if form.errors else 200)
