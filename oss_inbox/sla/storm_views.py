"""The storm switch page, /settings/storm/: turn storm mode on or off, and the storm history.

Supervisors and admins only. Thin: a form, one call to storm_start or storm_end, refusals shown
beside the form with everything typed kept.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render

from .models import StormPeriod
from .storm import SWITCH_PERMISSION, StormRefused, current_storm, storm_changes, storm_end, storm_start
from .storm_forms import StormEndForm, StormStartForm

HISTORY_ROWS = 50


@permission_required(SWITCH_PERMISSION, raise_exception=True)
def storm_switch(request):
    storm = current_storm()
    start_form = StormStartForm(request.POST if "reason" in request.POST else None)
    end_form = StormEndForm(request.POST if "end_reason" in request.POST else None)
    if request.method == "POST":
        form = end_form if "end_reason" in request.POST else start_form
        if form.is_valid():
            try:
                if form is end_form:
                    storm_end(by=request.user, reason=form.cleaned_data["end_reason"])
                    messages.success(request, "Storm mode is off: coverage and SLA targets are as usual.")
                else:
                    storm_start(by=request.user, **form.switch_arguments())
                    messages.success(request, "Storm mode is on. Everyone sees the storm banner.")
                return redirect("sla:storm")
            except StormRefused as refused:
                form.add_error(None, str(refused))
        storm = current_storm()
    history = [
        (period, storm_changes(period))
        for period in StormPeriod.objects.select_related("started_by", "ended_by")[:HISTORY_ROWS]
    ]
    context = {"storm": storm, "start_form": start_form, "end_form": end_form, "history": history}
    return render(request, "sla/storm.html", context)
