"""Admin forms: SLA policies (targets in hours) and out-of-hours acknowledgement texts."""

import re
from datetime import timedelta

from django import forms

from channels.registry import spec_of_message_kind

from .models import AcknowledgementSetting, SlaPolicy

TARGETS = (
    ("first_response", "First response", "From the customer's first message."),
    ("next_response", "Next response", "From the customer's latest message after our last reply."),
    (
        "resolution",
        "Resolution",
        "From the first message to resolved; time waiting on the customer (pending) does not count.",
    ),
)
PLACEHOLDER = re.compile(r"\{[^}]*\}")


HOURS_ERRORS = {
    "invalid": "Write a number of hours, e.g. 4, or 0.25 for 15 minutes.",
    "min_value": "A target cannot be negative.",
    "max_digits": "Write at most 99999.99 hours (over 11 years).",
    "max_whole_digits": "Write at most 99999.99 hours (over 11 years).",
    "max_decimal_places": "Use at most two decimals: 0.25 for 15 minutes.",
}


class SlaPolicyForm(forms.ModelForm):
    """Targets are typed in hours (decimals allowed, e.g. 0.5); empty means no target."""

    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "position",
            "safety_only",
            "key_accounts_only",
            "min_priority",
            "channel_kind",
            "first_response_clock",
            "next_response_clock",
            "resolution_clock",
            "coverage_schedule",
            "at_risk_percent",
        ]
        labels = {
            "coverage_schedule": "Coverage hours of",
            "safety_only": "Only safety tickets",
            "key_accounts_only": "Only key-account tickets",
            "min_priority": "Only tickets of priority at least",
            "channel_kind": "Only tickets on channel",
            "at_risk_percent": "At risk when this % of the target is left",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coverage_schedule"].empty_label = "Each channel's own schedule"
        self.fields["name"].error_messages["required"] = "Give the policy a name."
        self.fields["position"].error_messages.update(
            invalid="Write a whole number: lower comes first.",
            max_value="Write a number up to 32767.",
            min_value="Write 0 or more.",
            required="Write a position: lower comes first.",
        )
        self.fields["at_risk_percent"].error_messages.update(invalid="Write a whole number from 0 to 99.")
        for name, anything in (("min_priority", "Any priority"), ("channel_kind", "Any channel")):
            self.fields[name].choices = [("", anything), *self.fields[name].choices[1:]]
        for name, label, help_text in TARGETS:
            target = getattr(self.instance, f"{name}_target")
            self.fields[f"{name}_hours"] = forms.DecimalField(
                label=f"{label} target (hours)",
                help_text=f"{help_text} Empty: no target.",
                required=False,
                min_value=0,
                max_digits=7,
                decimal_places=2,
                error_messages=HOURS_ERRORS,
                initial=f"{target.total_seconds() / 3600:g}" if target else None,
            )
            self.fields[f"{name}_clock"].label = f"{label} counts"
        self.order_fields(
            [
                "name",
                "position",
                "safety_only",
                "key_accounts_only",
                "min_priority",
                "channel_kind",
                *[f"{name}_{part}" for name, _, _ in TARGETS for part in ("hours", "clock")],
                "at_risk_percent",
            ]
        )

    def clean_at_risk_percent(self):
        value = self.cleaned_data["at_risk_percent"]
        if not 0 <= value <= 99:
            raise forms.ValidationError("Choose a share from 0 to 99 percent.")
        return value

    def clean(self):
        cleaned = super().clean()
        for name, label, _ in TARGETS:
            if cleaned.get(f"{name}_hours") == 0:
                self.add_error(
                    f"{name}_hours",
                    f"A {label.lower()} target of 0 hours is always breached; leave it empty for none.",
                )
        return cleaned

    def save(self, commit=True):
        policy = super().save(commit=False)
        for name, _, _ in TARGETS:
            hours = self.cleaned_data.get(f"{name}_hours")
            setattr(policy, f"{name}_target", timedelta(hours=float(hours)) if hours else None)
        if commit:
            policy.save()
        return policy


class AcknowledgementForm(forms.ModelForm):
    """One message kind's acknowledgement; the prefix keeps several on one page apart."""

    class Meta:
        model = AcknowledgementSetting
        fields = ["enabled", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix=kwargs.pop("prefix", None), **kwargs)
        self.label = _kind_label(self.instance.kind)
        self.fields["enabled"].label = f"Acknowledge {self.label} out of hours"
        self.fields["text"].label = f"{self.label} text"
        self.fields["text"].help_text = "{back_at} becomes e.g. “7:00 AM CT tomorrow”."

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        unknown = [word for word in PLACEHOLDER.findall(text) if word != "{back_at}"]
        if unknown:
            raise forms.ValidationError(f"Only {{back_at}} is filled in; remove {', '.join(unknown)}.")
        spec = spec_of_message_kind(self.instance.kind)
        longest = text.replace("{back_at}", "12:00 PM CT on Wednesday, September 30")
        problem = (
            spec.reply_problem(longest, answered_kind=self.instance.kind, private=False)
            if spec and text
            else ""
        )
        if problem:  # the channel would refuse it: the acknowledgement would never reach anyone
            raise forms.ValidationError(problem.replace("this reply", "this text"))
        return text


def _kind_label(kind):
    """ "X mention", "Facebook Messenger", "Email": what customers wrote, as the settings page says it."""
    spec = spec_of_message_kind(kind)
    return f"{spec.name} {spec.message_kinds[kind]}".strip() if spec else kind
