"""Quarterly update pages: write from the prefilled draft, edit, confirm, send; a sent one read-only."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from channels.base import ChannelError

from .mail import email_recipients
from .models import ProgressUpdate
from .permissions import may_manage, may_view_accounts, require
from .selectors import organization_for_user
from .updates import update_default_recipients, update_draft, update_send


class UpdateForm(forms.ModelForm):
    recipients = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, required=False,
        help_text="Contacts of the account with an email address.",
    )  # fmt: skip

    class Meta:
        model = ProgressUpdate
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 24})}

    def __init__(self, *args, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = contacts
        self.fields["recipients"].label_from_instance = _contact_label

    def clean(self):
        cleaned = super().clean()
        if self.data.get("action") in ("review", "send") and not cleaned.get("recipients"):
            self.add_error("recipients", "Choose at least one contact to send the update to.")
        return cleaned


def _contact_label(contact):
    addresses = ", ".join(address for _, address in email_recipients([contact]))
    return f"{contact.name or 'Contact #' + str(contact.pk)} <{addresses}>"


@require_POST
def update_write(request, organization_id):
    """ "Write Q3 update": open the quarter's update, creating the prefilled draft the first time."""
    organization = organization_for_user(request.user, organization_id)
    require(organization.is_key_account and may_manage(request.user, organization))
    try:
        year, quarter = int(request.POST["year"]), int(request.POST["quarter"])
    except (KeyError, ValueError):
        return redirect("keyaccounts:organization", organization.pk)
    if not 1 <= quarter <= 4:
        return redirect("keyaccounts:organization", organization.pk)
    update = update_draft(organization, year, quarter, request.user)
    return redirect("keyaccounts:update", update.pk)


def update_page(request, update_id):
    """A draft: edit (save), review the recipients, send. A sent update: read-only, with deliveries."""
    update = _update_for(request.user, update_id)
    if update.status == ProgressUpdate.Status.SENT:
        mails = update.mails.select_related("contact").order_by("address")
        return render(request, "keyaccounts/update_sent.html", {"update": update, "mails": mails})
    require(may_manage(request.user, update.organization))
    contacts = update.organization.contacts.filter(
        merged_into__isnull=True, identities__kind="email"
    ).distinct()
    default = update_default_recipients(update.organization)
    form = UpdateForm(
        request.POST or None, instance=update, contacts=contacts, initial={"recipients": default}
    )
    action = request.POST.get("action", "save")
    if request.method == "POST" and form.is_valid():
        form.save()
        if action == "save":
            messages.success(request, "Draft saved.")
            return redirect("keyaccounts:update", update.pk)
        recipients = list(form.cleaned_data["recipients"])
        if action == "send":
            return _send(request, update, recipients)
        return render(request, "keyaccounts/update_confirm.html", {
            "update": update, "recipients": email_recipients(recipients),
            "contact_ids": [c.pk for c in recipients],
        })  # fmt: skip
    return render(request, "keyaccounts/update_edit.html", {"update": update, "form": form})


def _send(request, update, recipients):
    try:
        mails = update_send(update, recipients, request.user)
    except ChannelError as error:
        messages.error(request, str(error))
        return redirect("keyaccounts:update", update.pk)
    messages.success(request, f"Update sent to {len(mails)} address{'es' if len(mails) != 1 else ''}.")
    return redirect("keyaccounts:update", update.pk)


def _update_for(user, update_id):
    require(may_view_accounts(user))
    return get_object_or_404(
        ProgressUpdate.objects.select_related(
            "organization__account_manager", "organization__backup_manager", "author"
        ),
        pk=update_id,
    )
