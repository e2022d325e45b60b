"""The outage feed source's form on /settings/outage-feeds/: a name, a URL, a format and a pace,
each refused in words when it cannot work."""

from django import forms

from .models import FeedSource

MIN_POLL_SECONDS = 30  # beat asks every 30 seconds: a shorter interval would poll no faster
MAX_POLL_SECONDS = 24 * 3600


class FeedSourceForm(forms.ModelForm):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="Where the outage map publishes its current outages, as JSON or CSV.",
    )

    class Meta:
        model = FeedSource
        fields = ["name", "url", "format", "poll_seconds", "enabled"]
        labels = {
            "format": "Format",
            "poll_seconds": "Poll every (seconds)",
            "enabled": "Poll it",
        }
        help_texts = {
            "format": "Read it as JSON or CSV, or by the content type the server says (most do).",
            "poll_seconds": f"At least {MIN_POLL_SECONDS}: beat looks every {MIN_POLL_SECONDS} seconds.",
        }

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("The URL must start with http:// or https://.")
        return url

    def clean_poll_seconds(self):
        seconds = self.cleaned_data["poll_seconds"]
        if seconds < MIN_POLL_SECONDS:
            raise forms.ValidationError(
                f"At least {MIN_POLL_SECONDS} seconds: beat looks every {MIN_POLL_SECONDS} seconds, so a "
                "shorter interval would poll no faster."
            )
        if seconds > MAX_POLL_SECONDS:
            raise forms.ValidationError(
                "At most a day (86400 seconds): an outage map changes faster than that."
            )
        return seconds
