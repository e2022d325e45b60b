"""Admin forms for safety: a phrase of the list, a safety reply text, a person's on-call setting; and
the words the settings pages use for categories, languages and channels."""

import re

from django import forms

from channels.registry import spec_of_message_kind

from .detector import CATEGORIES, LOOKALIKE, OUTAGE, OUTAGE_LOOKALIKE
from .lists import PhraseRefused, phrase_save
from .models import LANGUAGE_CHOICES, SafetyReply

# Every category an admin may file a phrase under, as the page says it, in the page's order.
CATEGORY_WORDS = {
    **CATEGORIES,
    OUTAGE: "power outage (critical-care customers only)",
    LOOKALIKE: "look-alike (never a report)",
    OUTAGE_LOOKALIKE: "look-alike of an outage (critical-care only)",
}
CATEGORY_HELP = {
    OUTAGE: "Counts only when the customer depends on power (a critical-care contact or organization).",
    LOOKALIKE: "Matched word for word as written; its words never count towards a report "
    "(“gas station”, “phone line”).",
    OUTAGE_LOOKALIKE: "Stops words from counting as an outage only (“internet outage”, “power bill”): a "
    "report of a downed cable still counts.",
}
LANGUAGE_WORDS = dict(LANGUAGE_CHOICES)
TOPIC_HELP = {
    SafetyReply.Topic.MEDICAL: "Also sent for an outage reported by a customer who depends on power.",
}

# The detector's refusals (oss_inbox/safety/detector.py) in words for an admin; anything else as it is.
_QUOTED = r"""(['"])(?P<word>.*?)\1"""
REFUSAL_WORDS = (
    (
        re.compile(rf"^{_QUOTED} in .*: a prefix needs at least 3 letters$"),
        "“{word}” would match almost any word: put at least 3 letters before the *.",
    ),
    (re.compile(r"^(['\"])\1 in "), "Write a word on each side of every “/”."),
    (
        re.compile(rf"^{_QUOTED} in .* is not one word$"),
        "“{word}” is not a word the list can match: use letters and numbers, “/” between words that "
        "may stand in the same place, and * only at the end of a word.",
    ),
    (
        re.compile(r"has no words to match$"),
        "Small words such as “the”, “on”, “a” or “de” are skipped when matching: add a word that names the "
        "hazard.",
    ),
)


def refusal_words(refused: PhraseRefused) -> str:
    message = str(refused)
    for pattern, words in REFUSAL_WORDS:
        found = pattern.search(message)
        if found:
            return words.format(**found.groupdict())
    return message


class PhraseForm(forms.Form):
    """Add or change one phrase; `save` goes through `lists.phrase_save`, which has the last word."""

    category = forms.ChoiceField(
        label="Category",
        choices=[(key, words[:1].upper() + words[1:]) for key, words in CATEGORY_WORDS.items()],
    )
    language = forms.ChoiceField(label="Language", choices=LANGUAGE_CHOICES)
    pattern = forms.CharField(
        label="Phrase",
        max_length=200,
        error_messages={
            "required": "Write the words to look for.",
            "max_length": "A phrase holds at most 200 characters; split it into two.",
        },
        help_text="E.g. line/wire down · smell gas · chisp*",
    )

    def save(self, *, actor, phrase=None):
        """The saved phrase, or None with the refusal shown next to the phrase field."""
        try:
            return phrase_save(actor=actor, phrase=phrase, **self.cleaned_data)
        except PhraseRefused as refused:
            self.add_error("pattern", refusal_words(refused))
            return None


def kind_words(kind: str) -> str:
    """ "X mention", "Facebook Messenger", "Email": the kind of message a safety reply answers."""
    spec = spec_of_message_kind(kind)
    return f"{spec.name} {spec.message_kinds[kind]}".strip() if spec else kind


def kind_is_public(kind: str) -> bool:
    """Whether a reply to this kind is public (a reply tweet, a comment): it has a private variant."""
    spec = spec_of_message_kind(kind)
    return bool(spec and kind in spec.private_replies)


class SafetyReplyForm(forms.ModelForm):
    """One safety reply text (channel × topic × language); the prefix keeps several on one page apart."""

    class Meta:
        model = SafetyReply
        fields = ["enabled", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reply = self.instance
        self.label = f"{reply.get_topic_display()} · {reply.get_language_display()}"
        self.fields["enabled"].label = f"Send the {reply.get_language_display()} text"
        self.fields["text"].label = f"{reply.get_language_display()} text"
        self.fields["text"].error_messages["required"] = (
            "Write the advice; to send none on this channel, switch this text off instead."
        )
        self.spec = spec_of_message_kind(reply.kind)

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        problem = (
            self.spec.reply_problem(text, answered_kind=self.instance.kind, private=False)
            if self.spec
            else ""
        )
        if problem:  # the channel would refuse it: the advice would never reach anyone
            raise forms.ValidationError(problem.replace("this reply", "this text"))
        return text

    def length_words(self) -> str:
        """ "212 of 280 characters (as X counts them)", or "" where the channel sets no limit."""
        rule = self.spec.reply_limit(answered_kind=self.instance.kind, private=False) if self.spec else None
        if rule is None:
            return ""
        text = self["text"].value() or ""
        return f"{rule.measure(text.strip()):,} of {rule.limit:,} characters (as {rule.where} counts them)"


class OnCallForm(forms.Form):
    """One person's on-call setting; the rota choices are handed in (one query for every row)."""

    enabled = forms.BooleanField(label="On call", required=False)
    schedule = forms.TypedChoiceField(
        label="Rota",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={
            "invalid_choice": "Choose a rota from the list; the one chosen may have been deleted."
        },
    )
    sms_email = forms.EmailField(
        label="Email-to-SMS address",
        required=False,
        max_length=254,
        error_messages={"invalid": "Write an email address, e.g. 3125550123@vtext.com."},
    )

    def __init__(self, *args, schedules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schedule"].choices = [("", "At all hours"), *((s.pk, s.name) for s in schedules)]
