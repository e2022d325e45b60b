"""Forms for organizations, joint plans and the critical-care register.

Matching rules are typed one per line (a textarea each) rather than as formsets: an account
manager pastes a list of domains from an email, and every bad line gets its own error in words.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from channels.models import ChannelKind
from oss_inbox.safety.models import CriticalCareEntry
from oss_inbox.safety.register import MAX_FILE_BYTES, NotAValue, normalise
from oss_inbox.staff.roles import queue_workers
from oss_inbox.tickets.models import Organization, OrganizationDomain
from oss_inbox.tickets.services import organization_set_critical_care

from .models import JointPlan, KnownIdentity, PlanItem, normalise_known

DOMAIN = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
KIND_WORDS = {
    "x": ChannelKind.TWITTER,
    "twitter": ChannelKind.TWITTER,
    "facebook": ChannelKind.FACEBOOK,
    "fb": ChannelKind.FACEBOOK,
    "email": ChannelKind.EMAIL,
}
HANDLE = re.compile(r"^[a-z0-9_.]{1,100}$")


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.get_username()


class OrganizationForm(forms.ModelForm):
    domains = forms.CharField(
        required=False,
        label="Email domains",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "One per line, e.g. stbrigid-health.example. Everyone writing from these domains belongs to "
            "the account."
        ),
    )
    identities = forms.CharField(
        required=False,
        label="Known identities",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: “x: @handle”, “facebook: 1234567890” (a user id) or an email address.",
    )
    # Not a model field of the form: the flag is set through tickets.services, so that the open
    # tickets of the organization's people are raised with it (save()).
    critical_care = forms.BooleanField(
        required=False,
        label="Depends on power (critical care)",
        help_text=(
            "A hospital, a care home, a dialysis centre: its people's tickets are at least High priority, "
            "and an outage they report is a safety ticket. Saving raises their open tickets."
        ),
    )
    field_order = ["name", "is_key_account", "critical_care"]

    class Meta:
        model = Organization
        fields = [
            "name",
            "is_key_account",
            "tier",
            "account_manager",
            "backup_manager",
            "service_addresses",
            "notes",
        ]
        labels = {"is_key_account": "Key account (concierge service)", "backup_manager": "Backup"}
        field_classes = {"account_manager": ManagerChoiceField, "backup_manager": ManagerChoiceField}
        widgets = {
            "service_addresses": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, actor=None, **kwargs):
        self.actor = actor  # who saves: the critical-care flag is set in their name
        super().__init__(*args, **kwargs)
        self.initial.setdefault("critical_care", self.instance.critical_care)
        for name in ("account_manager", "backup_manager"):
            self.fields[name].queryset = queue_workers()
            self.fields[name].empty_label = "Nobody"
        if self.instance.pk and not self.is_bound:
            self.initial["domains"] = "\n".join(self.instance.domains.values_list("domain", flat=True))
            rules = self.instance.known_identities.order_by("kind", "value")
            self.initial["identities"] = "\n".join(_identity_line(rule.kind, rule.value) for rule in rules)

    def clean_domains(self):
        domains, errors = [], []
        for line in _lines(self.cleaned_data["domains"]):
            domain = line.lower().lstrip("@")
            if not DOMAIN.match(domain):
                errors.append(f"“{line}” is not a domain (e.g. example.com).")
            elif domain not in domains:
                domains.append(domain)
        taken = OrganizationDomain.objects.filter(domain__in=domains).exclude(
            organization=self.instance.pk or 0
        )
        errors += [
            f"{row.domain} already belongs to {row.organization}."
            for row in taken.select_related("organization")
        ]
        if errors:
            raise ValidationError(errors)
        return domains

    def clean_identities(self):
        rules, errors = [], []
        for line in _lines(self.cleaned_data["identities"]):
            try:
                rule = _parse_identity(line)
            except ValidationError as error:
                errors.append(error.message)
                continue
            if rule not in rules:
                rules.append(rule)
        taken = (
            KnownIdentity.objects.filter(Q(pk__in=[]) | _any_of(rules))
            .exclude(organization=self.instance.pk or 0)
            .select_related("organization")
        )
        errors += [
            f"{_identity_line(row.kind, row.value)} already belongs to {row.organization}." for row in taken
        ]
        if errors:
            raise ValidationError(errors)
        return rules

    def clean(self):
        cleaned = super().clean()
        manager, backup = cleaned.get("account_manager"), cleaned.get("backup_manager")
        if manager and manager == backup:
            self.add_error("backup_manager", "The backup must be someone other than the account manager.")
        if cleaned.get("is_key_account") and not manager and "account_manager" not in self.errors:
            self.add_error(
                "account_manager",
                "A key account needs an account manager: they get its tickets and reminders.",
            )
        return cleaned

    def save(self, commit=True):
        """Save the organization; a changed critical-care flag goes through its service, which raises
        the open tickets of its people (in the caller's transaction: organizations.organization_save)."""
        organization = super().save(commit)
        wanted = self.cleaned_data.get("critical_care", False)
        if commit and wanted != organization.critical_care:
            organization_set_critical_care(organization=organization, critical_care=wanted, actor=self.actor)
        return organization


def _lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


def _parse_identity(line):
    """(kind, normalised value) from “x: @handle”, “facebook: 123” or a bare email address."""
    word, colon, rest = line.partition(":")
    if not colon or word.strip().lower() not in KIND_WORDS:
        word, rest = "email", line  # “mailto”-less addresses are the common case
    kind, value = KIND_WORDS[word.strip().lower()], normalise_known(rest)
    if kind == ChannelKind.EMAIL:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(
                f"“{line}” is neither an email address nor “x: @handle” / “facebook: id”."
            ) from None
    elif not HANDLE.match(value):
        raise ValidationError(f"“{line}”: write an @handle or a numeric id after “{word.strip()}:”.")
    return kind, value


def _any_of(rules):
    condition = Q(pk__in=[])
    for kind, value in rules:
        condition |= Q(kind=kind, value=value)
    return condition


def _identity_line(kind, value):
    if kind == ChannelKind.TWITTER:
        return f"x: @{value}" if not value.isdigit() else f"x: {value}"
    return value if kind == ChannelKind.EMAIL else f"{kind}: {value}"


class PlanForm(forms.ModelForm):
    class Meta:
        model = JointPlan
        fields = ["summary", "agreed_on", "participants"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "agreed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "participants": forms.Textarea(attrs={"rows": 4}),
        }


class PlanItemForm(forms.ModelForm):
    class Meta:
        model = PlanItem
        fields = ["kind", "text", "owner_side", "owner_name", "due_date", "status", "notes"]
        labels = {"text": "What", "owner_side": "Owner", "owner_name": "Who"}
        error_messages = {"text": {"required": "Say what is needed, expected or committed."}}
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "text": forms.TextInput(attrs={"size": 50}),
        }


class RegisterUploadForm(forms.Form):
    """The critical-care register as a CSV file; after a preview, the same file comes back as text
    (`content`), so that importing it needs no second upload."""

    file = forms.FileField(
        required=False,
        label="CSV file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
        help_text=(
            "A header line naming the columns (email, phone, x, facebook, name, note; others are ignored), "
            "then one person per line. Commas or semicolons; Excel's “CSV UTF-8” is fine."
        ),
    )
    content = forms.CharField(required=False, widget=forms.HiddenInput, strip=False)

    def clean(self):
        cleaned = super().clean()
        upload, content = cleaned.get("file"), cleaned.get("content")
        if upload:
            if upload.size > MAX_FILE_BYTES:
                raise ValidationError(
                    f"The file is larger than {MAX_FILE_BYTES // 1_000_000} MB: split it in parts."
                )
            cleaned["data"] = upload.read()
        elif content:
            cleaned["data"] = content.encode("utf-8")
        else:
            raise ValidationError("Choose the CSV file to read.")
        return cleaned


class RegisterEntryForm(forms.Form):
    """One entry typed on the critical-care page."""

    kind = forms.ChoiceField(choices=CriticalCareEntry.Kind.choices, label="Kind")
    written = forms.CharField(
        max_length=255,
        label="Email, phone, handle or id",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    name = forms.CharField(max_length=200, required=False)
    note = forms.CharField(
        max_length=500, required=False, help_text="e.g. oxygen concentrator; no diagnosis."
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") and cleaned.get("written"):
            try:
                normalise(cleaned["kind"], cleaned["written"])
            except NotAValue as refused:
                self.add_error("written", f"“{cleaned['written']}” {refused}.")
        return cleaned
