"""The in-app form for channel accounts: settings by kind, credentials write-only.

One form for every kind; what a kind asks for (its settings, secrets, destinations and checks) is
its `AccountFields` (channels/<kind>/forms.py), looked up by kind through channels.registry.
"""

import json
from datetime import datetime, time

from django import forms
from django.utils import timezone

from oss_inbox.sla.channel_schedules import schedule_for_channel

from .models import ChannelAccount, ChannelKind
from .registry import ACCOUNT_FORMS, account_form_fields

# Each kind's settings, secrets and checks live in its folder (channels/<kind>/forms.py), found
# through the registry. The secrets by kind stay importable here (channels/twitter/adapter.py).
CREDENTIALS = {kind: list(fields.credentials) for kind, fields in ACCOUNT_FORMS.items()}
# Kinds whose platform pushes by webhook (channels/webhooks/).
WEBHOOK_KINDS = {ChannelKind.TWITTER, ChannelKind.FACEBOOK, ChannelKind.INSTAGRAM}


class ChannelAccountForm(forms.ModelForm):
    class Meta:
        model = ChannelAccount
        fields = [
            "name",
            "enabled",
            "self_external_id",
            "poll_interval_seconds",
            "coverage_schedule",
            "token_expires_at",
            "webhooks_enabled",
            "reconcile_interval_seconds",
        ]

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.channel = account_form_fields(kind)
        # Saved under a key this server does not hold (oss_inbox/crypto.py): kept whole, or replaced whole.
        self.unreadable = bool(self.instance.pk) and self.instance.credentials_unreadable
        self.resumed = False  # after save(): unreadable credentials replaced, so polling resumes
        label, help_text = self.channel.self_id
        self.fields["self_external_id"].label = label
        self.fields["self_external_id"].help_text = help_text
        self.fields["self_external_id"].required = True
        self.fields["poll_interval_seconds"].min_value = 15
        self.fields["poll_interval_seconds"].label = "Poll interval (seconds)"
        self.fields["poll_interval_seconds"].help_text = (
            "How often the account is polled while webhooks are off or have stopped; at least 15."
            if kind in WEBHOOK_KINDS
            else "How often the account is polled; at least 15."
        )
        self.fields["coverage_schedule"].empty_label = "The default schedule"
        if not self.instance.pk:  # a new email account starts on the Email schedule
            channel_schedule = schedule_for_channel(kind)
            self.initial["coverage_schedule"] = channel_schedule.pk if channel_schedule else None
        self.fields[
            "coverage_schedule"
        ].help_text = (
            "The team's hours on this account: out-of-hours acknowledgements and coverage-hours SLA targets."
        )
        self.fields["token_expires_at"] = token_expiry_field()
        self._webhook_fields(kind)
        if self.instance.token_expires_at:  # its day here, not the UTC one
            self.initial["token_expires_at"] = timezone.localtime(self.instance.token_expires_at).date()
        for name, label, help_text in self.channel.settings:
            self.fields[f"setting_{name}"] = self._setting_field(name, label, help_text)
        saved = self.instance.credentials if self.instance.pk else {}
        for name, label in self.channel.credentials:
            hint = "Saved. Leave empty to keep it." if saved.get(name) else "Not set."
            self.fields[f"secret_{name}"] = forms.CharField(
                label=label, help_text=hint, required=False, widget=forms.PasswordInput(render_value=False)
            )

    def _setting_field(self, name, label, help_text):
        """A text box, or a list for a setting chosen from one (its saved value read as a choice; an
        unknown old value stays listed, so that the check below names it instead of hiding it)."""
        initial = self._saved_setting(name)
        choices = self.channel.choices.get(name)
        if choices is None:
            field = forms.CharField(label=label, help_text=help_text, required=False, initial=initial)
        else:
            listed = [*choices, *([(initial, initial)] if initial not in dict(choices) else [])]
            # A CharField, so that a value off the list is answered by check_settings in plain words.
            field = forms.CharField(
                label=label, help_text=help_text, required=False, initial=initial, widget=forms.Select
            )
            field.widget.choices = listed
        if name in self.channel.defaults_by_choice:
            chosen, defaults = self.channel.defaults_by_choice[name]
            field.widget.attrs.update(
                {
                    "placeholder": defaults.get(self._saved_setting(chosen), ""),
                    "data-default-from": f"id_setting_{chosen}",
                    "data-defaults": json.dumps(defaults),
                }
            )
        return field

    def _saved_setting(self, name):
        """A setting as the form shows it: the saved text, or for a choice the choice it means
        (the first, the default, when none is saved)."""
        saved = str(self.instance.settings.get(name) or "").strip()
        choices = self.channel.choices.get(name)
        if choices is None:
            return saved
        return self.channel.read_choice(name, saved) if saved else choices[0][0]

    def clean_poll_interval_seconds(self):
        value = self.cleaned_data["poll_interval_seconds"]
        if value < 15:
            raise forms.ValidationError(
                "Poll at most every 15 seconds; the channels rate-limit faster polling."
            )
        return value

    def _webhook_fields(self, kind):
        """Webhooks on or off, and the pace of polls while they work (docs/channels.md, "Reconciliation");
        email has none."""
        if kind not in WEBHOOK_KINDS:
            del self.fields["webhooks_enabled"], self.fields["reconcile_interval_seconds"]
            return
        path = "/webhooks/x/" if kind == "twitter" else "/webhooks/meta/"
        self.fields["webhooks_enabled"].label = "Webhooks on"
        self.fields["webhooks_enabled"].help_text = (
            f"The platform pushes this account's messages to {path} (registered as docs/channels.md says); "
            "polls then only find what the pushes missed."
        )
        self.fields["reconcile_interval_seconds"].required = False  # empty: as it was (300 s for a new one)
        self.fields["reconcile_interval_seconds"].label = "Poll interval while webhooks work (seconds)"
        self.fields["reconcile_interval_seconds"].help_text = (
            "Polls go on at this pace to find what webhooks missed; if webhooks stop, polling returns to "
            "the interval above."
        )

    def clean_reconcile_interval_seconds(self):
        value = self.cleaned_data["reconcile_interval_seconds"]
        if value is None:
            return self.instance.reconcile_interval_seconds
        if value < 15:
            raise forms.ValidationError(
                "Poll at most every 15 seconds; the channels rate-limit faster polling."
            )
        return value

    def clean_token_expires_at(self):
        """A date means the start of that day here: the admins are told a week before it."""
        day, saved = self.cleaned_data.get("token_expires_at"), self.instance.token_expires_at
        if day is None:
            return None
        if saved and timezone.localtime(saved).date() == day:
            return saved  # unchanged: keep the exact time the channel gave
        return timezone.make_aware(datetime.combine(day, time.min))

    def clean(self):
        cleaned = super().clean()
        entered = {name: cleaned.get(f"setting_{name}") or "" for name, _, _ in self.channel.settings}
        for name, problem in self.channel.check_settings(entered).items():
            self.add_error(f"setting_{name}", problem)
        problem = self.channel.check_self_id(cleaned.get("self_external_id") or "")
        if cleaned.get("self_external_id") and problem:
            self.add_error("self_external_id", problem)
        if self.unreadable:
            self._require_every_secret_once_one_is_entered(cleaned)
        self._require_secrets_for_a_new_destination(cleaned)
        return cleaned

    def _entered_secrets(self, cleaned):
        return {
            name: cleaned[f"secret_{name}"]
            for name, _ in self.channel.credentials
            if cleaned.get(f"secret_{name}")
        }

    def _require_every_secret_once_one_is_entered(self, cleaned):
        """Unreadable credentials cannot be completed with a few new secrets: the others would be lost."""
        entered = self._entered_secrets(cleaned)
        missing = [
            (name, label)
            for name, label in self.channel.credentials
            if name not in entered and name not in self.channel.optional_secrets
        ]
        if not entered or not missing:
            return
        words = _words([label for _, label in missing])
        self.add_error(
            None,
            f"The saved credentials cannot be read with this server's keys, so they cannot "
            f"be completed: enter the {words} too, or none of them to keep the saved ones "
            f"until the right key is added.",
        )
        for name, _ in missing:
            self.add_error(f"secret_{name}", "Enter it too: the saved one cannot be read.")

    def _require_secrets_for_a_new_destination(self, cleaned):
        """Refuse a change of host, port or base URL that keeps saved secrets without re-entering them."""
        saved_secrets = self.instance.credentials if self.instance.pk else {}
        if self.unreadable:  # each may be there, and be sent once the right key is added
            saved_secrets = {
                name: True
                for name, _ in self.channel.credentials
                if name not in self.channel.optional_secrets
            }
        settings_labels = {name: label for name, label, _ in self.channel.settings}
        secret_labels = dict(self.channel.credentials)
        for where, secrets in self.channel.destinations:
            changed = [
                name
                for name in where
                if self._saved_setting(name) != (cleaned.get(f"setting_{name}") or "").strip()
            ]
            kept = [name for name in secrets if saved_secrets.get(name) and not cleaned.get(f"secret_{name}")]
            if not (changed and kept):
                continue
            changed_words = _words([settings_labels[name] for name in changed])
            kept_words = _words([secret_labels[name] for name in kept])
            self.add_error(
                None,
                f"The {changed_words} changed, so the saved {kept_words} will not be sent "
                f"there: enter the {kept_words} again, or put the {changed_words} back.",
            )
            for name in kept:
                self.add_error(f"secret_{name}", f"Enter it again: the {changed_words} changed.")

    def save(self, commit=True):
        """One write: the settings, the secrets entered over the saved ones (unreadable ones are kept
        as they are when none was entered, replaced whole otherwise, and then polling resumes), and
        only the columns this form owns, so a poll running meanwhile keeps its cursor and lease."""
        account = super().save(commit=False)
        account.kind = self.kind
        account.settings = {
            **account.settings,
            **{name: self.cleaned_data[f"setting_{name}"].strip() for name, _, _ in self.channel.settings},
        }
        entered = self._entered_secrets(self.cleaned_data)
        fields = [*self._meta.fields, "kind", "settings", "credentials"]
        if "webhooks_enabled" in self.changed_data:  # switched on or off: judged afresh from now
            account.webhooks_unhealthy_since = account.webhooks_reported_at = None
            fields += ["webhooks_unhealthy_since", "webhooks_reported_at"]
        fields = [name for name in fields if name in self.fields or name not in self._meta.fields]
        if "token_expires_at" in self.changed_data:  # another token: told about afresh
            account.token_expiry_reported_at = None
            fields.append("token_expiry_reported_at")
        if not self.unreadable:
            account.credentials = {**account.credentials, **entered}
        elif entered:
            account.credentials, self.resumed = entered, True
        if (self.unreadable and entered) or (account.error_is_permanent and self.has_changed()):
            # The admin changed what stopped polling (a new token, a corrected folder): try again
            # now; if it is still wrong, the next poll stops it again and says why.
            fields += _resume_polling(account)
        if commit:
            account.save(update_fields=fields if account.pk else None)
        return account

    def secrets_dropped(self):
        """Labels of the optional secrets not entered when unreadable credentials were replaced."""
        if not self.resumed:
            return []
        saved = self.instance.credentials
        return [label for name, label in self.channel.credentials if name not in saved]


def token_expiry_field():
    """ "Token expires on": a date (channels/token_expiry.py tells the admins a week before)."""
    return forms.DateField(
        label="Token expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When the access token stops working; the admins are told a week before. Empty if it "
        "never expires.",
    )


def _resume_polling(account):
    """Clear the error that stopped polling and make the poll due now; the fields set."""
    account.error_is_permanent, account.last_error, account.consecutive_failures = False, "", 0
    account.failing_since = account.failure_reported_at = None
    account.next_poll_at = timezone.now()
    return [
        "error_is_permanent",
        "last_error",
        "consecutive_failures",
        "failing_since",
        "failure_reported_at",
        "next_poll_at",
    ]


def _words(labels):
    """ "IMAP host and IMAP port"; "API key, API key secret and Access token"."""
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def kind_choices():
    return ChannelKind.choices
