"""The admin form of a moderation rule: what it finds, where, and the private reply it sends.

The private reply is checked against each watched channel's own limit for a private reply (the
channel's spec: an Instagram DM holds 1,000 characters, Messenger 2,000), so a rule never queues a
reply its channel would refuse.
"""

from django import forms

from ..models import ModerationRule
from ..registry import all_specs, spec_for
from .detect import words_of


def watched_channels():
    """[(kind, name)] of the channels with public comments a rule can watch (those with private replies)."""
    return [(spec.kind, spec.name) for spec in all_specs() if spec.private_replies]


class ModerationRuleForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label="Channels it watches",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every channel with public comments.",
    )

    class Meta:
        model = ModerationRule
        fields = ["name", "finds", "words", "kinds", "enabled", "private_reply"]
        labels = {"finds": "Finds", "enabled": "On (hides matching comments as they arrive)"}
        widgets = {
            "words": forms.Textarea(attrs={"rows": 4}),
            "private_reply": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "words": "One word or phrase per line. For profanity, added to the built-in list of strong "
            "words; for “Words or phrases listed below”, what the rule looks for.",
            "private_reply": "Sent to the customer in private (an X DM, a Messenger or Instagram private "
            "reply) right after their comment is hidden: say why, and that you carry on there.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = watched_channels()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("finds") == ModerationRule.Finds.WORDS and not words_of(cleaned.get("words", "")):
            self.add_error("words", "List at least one word or phrase to look for, one per line.")
        text = cleaned.get("private_reply") or ""  # empty: the field's own "required" says so
        for problem in reply_problems(text, cleaned.get("kinds") or [kind for kind, _ in watched_channels()]):
            self.add_error("private_reply", problem)
        return cleaned


def reply_problems(text, kinds):
    """What each watched channel would say of this text as a private reply ("" skipped)."""
    problems = []
    for kind in kinds if text.strip() else ():
        spec = spec_for(kind)
        for answered_kind in spec.private_replies:
            problem = spec.reply_problem(text, answered_kind=answered_kind, private=True)
            if problem and problem not in problems:
                problems.append(problem)
    return problems
