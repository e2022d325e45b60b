from django import forms

from .answers import COMMENT_LENGTH
from .ratings import RATINGS


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=[(rating, f"{rating} – {words}") for rating, words in RATINGS.items()],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how satisfied you are.",
            "invalid_choice": "Choose one of the five.",
        },
    )
    comment = forms.CharField(
        required=False,
        max_length=COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Anything to add? (optional)",
        error_messages={"max_length": f"Please keep it under {COMMENT_LENGTH:,} characters."},
    )
