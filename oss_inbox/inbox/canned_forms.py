"""Editing canned responses (admins): the form, its placeholder check, and the preview filled for a
sample ticket with each channel's reply limit (X's 280 characters first of all)."""

import re
from dataclasses import dataclass
from types import SimpleNamespace

from django import forms

from channels.registry import all_specs

from .canned import canned_fill
from .models import CannedResponse

KNOWN = ("customer.first_name", "agent.first_name", "ticket.id")
KNOWN_WORDS = ", ".join("{{" + name + "}}" for name in KNOWN)
# Anything in double braces, and a name in single braces (a placeholder missing a brace).
BRACED = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
SINGLE_BRACED = re.compile(r"(?<!\{)\{\s*([a-z_]+\.[a-z_]+)\s*\}(?!\})")
SAMPLE_CUSTOMER = "Maria Lopez"
SAMPLE_TICKET_ID = 4812


def placeholder_problems(text: str) -> list[str]:
    """Plain words for each placeholder the composer would not fill, or [] when all are known."""
    problems = []
    for name in dict.fromkeys(BRACED.findall(text)):
        if name not in KNOWN:
            shown = "{{" + name + "}}"
            problems.append(f"{shown} is not a placeholder the composer fills. Use {KNOWN_WORDS}.")
    for name in dict.fromkeys(SINGLE_BRACED.findall(text)):
        problems.append(f"{{{name}}} needs two braces on each side: {{{{{name}}}}}.")
    return problems


class CannedResponseForm(forms.ModelForm):
    class Meta:
        model = CannedResponse
        fields = ["name", "channel_kind", "storm", "text"]
        labels = {"channel_kind": "Offered on", "text": "Text", "storm": "Storm"}
        help_texts = {
            "name": "What agents pick in the composer.",
            "text": "",
            "storm": "Offered first while storm mode is on (an outage answer, the outage map).",
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}
        error_messages = {
            "name": {
                "required": "Give it a name agents will recognise.",
                "unique": "Another canned response has this name: choose another.",
            },
            "text": {"required": "Write the text agents will insert."},
            "channel_kind": {"invalid_choice": "Choose a channel from the list, or Every channel."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel_kind"].choices = [("", "Every channel")] + [
            (spec.kind, spec.name) for spec in all_specs()
        ]

    def clean_text(self):
        text = self.cleaned_data["text"]
        problems = placeholder_problems(text)
        if problems:
            raise forms.ValidationError(problems)
        return text


@dataclass(frozen=True)
class Preview:
    text: str
    problems: list[str]  # placeholders the composer would not fill
    too_long: list[str]  # each channel's reply limit the filled text passes


def canned_preview(text: str, channel_kind: str, *, agent) -> Preview:
    """`text` filled for a sample ticket from Maria Lopez answered by `agent`, and what would stop it."""
    ticket = SimpleNamespace(pk=SAMPLE_TICKET_ID, contact=SimpleNamespace(name=SAMPLE_CUSTOMER))
    filled = canned_fill(text, ticket=ticket, agent=agent)
    return Preview(
        filled, placeholder_problems(text), _limits_passed(filled, channel_kind) if text.strip() else []
    )


def _limits_passed(filled, channel_kind):
    """Each channel's words for a public reply the filled text is too long for ("X allows 280 ...")."""
    # Every channel's for "" (offered everywhere), and for a kind no channel has: a form posted by hand
    # gets its field's error beside the preview, not a server error.
    specs = [spec for spec in all_specs() if spec.kind == channel_kind] or all_specs()
    problems = []
    for spec in specs:
        problem = spec.reply_problem(filled, answered_kind=spec.default_answered_kind, private=False)
        if problem:
            problems.append(problem.replace("this reply is", "filled for a sample ticket, this one is"))
    return problems
