"""The storm switch's forms: turn storm mode on (what it changes, and why), and off (why)."""

from datetime import timedelta

from django import forms

from .forms import HOURS_ERRORS

AROUND_THE_CLOCK, THESE_HOURS = "24h", "hours"


class StormStartForm(forms.Form):
    reason = forms.CharField(
        label="Why storm mode",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Everyone sees it in the storm banner, e.g. “Derecho: feeders down north of the river”.",
        error_messages={"required": "Say why storm mode is turned on: everyone sees it in the banner."},
    )
    extend_coverage = forms.BooleanField(
        label="Extend coverage on every schedule", required=False, initial=True
    )
    coverage = forms.ChoiceField(
        label="Storm staffing",
        choices=[(AROUND_THE_CLOCK, "Around the clock (24 hours)"), (THESE_HOURS, "These hours every day")],
        initial=AROUND_THE_CLOCK,
        widget=forms.RadioSelect,
        help_text="On top of each schedule's own hours, from now until storm mode is turned off.",
    )
    opens_at = forms.TimeField(
        label="Opens at",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"invalid": "Write a time of day, e.g. 06:00."},
    )
    closes_at = forms.TimeField(
        label="Closes at",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="Earlier than the opening runs overnight (18:00 to 02:00); 00:00 is midnight.",
        error_messages={"invalid": "Write a time of day, e.g. 02:00."},
    )
    first_response_hours = forms.DecimalField(
        label="First-response target during the storm (hours)",
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        error_messages=HOURS_ERRORS,
        help_text="For tickets created while storm mode is on. Empty: the SLA policies' own targets.",
    )
    sla_reason = forms.CharField(
        label="Why the target changes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown beside the SLA target on those tickets.",
    )
    auto_confirm = forms.BooleanField(
        label="Confirm proposed incidents automatically", required=False, initial=False
    )
    auto_acknowledge = forms.BooleanField(
        label="Acknowledge outage reports with their incident's latest update", required=False, initial=True
    )
    outage_map_url = forms.URLField(
        label="Outage map link",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Sent with the acknowledgements, e.g. https://outages.example.com/map.",
        error_messages={
            "invalid": "Write the full address of the outage map, e.g. https://outages.example.com."
        },
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("extend_coverage") and cleaned.get("coverage") == THESE_HOURS:
            for name in ("opens_at", "closes_at"):
                if name in cleaned and cleaned[name] is None:
                    self.add_error(name, "Give the hour, or choose around the clock.")
        hours = cleaned.get("first_response_hours")
        if hours == 0:
            self.add_error("first_response_hours", "A target of 0 hours is always breached; leave it empty.")
        return cleaned

    def switch_arguments(self) -> dict:
        """What storm_start takes, from the cleaned form."""
        data = self.cleaned_data
        hours = data["extend_coverage"] and data["coverage"] == THESE_HOURS
        target = data.get("first_response_hours")
        return {
            "reason": data["reason"],
            "extend_coverage": data["extend_coverage"],
            "opens_at": data["opens_at"] if hours else None,
            "closes_at": data["closes_at"] if hours else None,
            "first_response_target": timedelta(hours=float(target)) if target else None,
            "sla_reason": data["sla_reason"],
            "auto_confirm": data["auto_confirm"],
            "auto_acknowledge": data["auto_acknowledge"],
            "outage_map_url": data["outage_map_url"],
        }


class StormEndForm(forms.Form):
    end_reason = forms.CharField(
        label="Why storm mode ends",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the storm history, e.g. “All feeders restored, normal staffing from 7 AM”.",
        error_messages={"required": "Say why storm mode is turned off: it stays in the storm history."},
    )
