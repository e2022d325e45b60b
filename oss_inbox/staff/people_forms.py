"""The People page's forms, with their errors in plain words."""

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator

from .people import ROLES

ROLE_CHOICES = [(role, role) for role in ROLES]
ROLE_HELP = (
    "Agents work the queue; supervisors also see the dashboard and rebalance work; admins also change "
    "settings, channels and people."
)
MOST_CAPACITY = 200


class InviteForm(forms.Form):
    name = forms.CharField(
        max_length=150, error_messages={"required": "Give the person's name, as colleagues will see it."}
    )
    email = forms.EmailField(
        error_messages={
            "required": "Give an email address: the invitation goes there.",
            "invalid": "That is not an email address (it looks like name@example.com).",
        }
    )
    role = forms.ChoiceField(
        choices=ROLE_CHOICES,
        initial=ROLE_CHOICES[0][0],
        help_text=ROLE_HELP,
        error_messages={"invalid_choice": "Choose Agent, Supervisor or Admin."},
    )
    username = forms.CharField(
        max_length=150,
        required=False,
        help_text="What they type to sign in. Empty: the part of the email address before the @.",
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if username:
            try:
                UnicodeUsernameValidator()(username)
            except forms.ValidationError:
                raise forms.ValidationError(
                    "A username has letters, digits and . @ + - _ only (no spaces)."
                ) from None
        return username


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=ROLE_CHOICES, error_messages={"invalid_choice": "Choose Agent, Supervisor or Admin."}
    )


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(
        min_value=0,
        max_value=MOST_CAPACITY,
        help_text="Most open tickets automatic assignment gives them at once (0: none).",
        error_messages={
            "required": "Give a number of tickets.",
            "invalid": "Give a whole number of tickets, such as 15.",
            "min_value": "Give 0 or more tickets.",
            "max_value": f"Give at most {MOST_CAPACITY} tickets.",
        },
    )
