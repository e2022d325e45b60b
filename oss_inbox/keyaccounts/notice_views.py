"""Notice pages: compose, preview the recipients, send; the list with delivery counts; one notice."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from .models import Notice
from .notices import (
    notice_delivery,
    notice_recipients,
    notice_send,
    notices_visible_to,
    notices_with_counts,
    sending_accounts,
)
from .permissions import managed_by, may_send_notices, require

NOTICES_SHOWN = 100


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(choices=Notice.Kind.choices)
    subject = forms.CharField(max_length=300)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), label="Message")
    all_accounts = forms.BooleanField(required=False, label="All my key accounts")
    organizations = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="Key accounts"
    )
    account = forms.ModelChoiceField(queryset=None, label="Send from", empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = managed_by(user).order_by("name")
        self.fields["account"].queryset = sending_accounts()
        self.fields["account"].label_from_instance = lambda account: (
            f"{account.name} <{account.self_external_id}>"
        )
        if user.has_perm("tickets.view_dashboards") or user.has_perm("tickets.manage_settings"):
            self.fields["all_accounts"].label = "All key accounts"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("all_accounts"):
            cleaned["organizations"] = list(self.fields["organizations"].queryset)
        if not cleaned.get("organizations"):
            self.add_error("organizations", "Choose at least one key account.")
        return cleaned


def notice_list(request):
    require(may_send_notices(request.user))
    rows = notices_with_counts(notices_visible_to(request.user)[:NOTICES_SHOWN])
    return render(request, "keyaccounts/notice_list.html", {"rows": rows})


def notice_new(request):
    """Compose; "Preview recipients" shows who gets it; "Send" sends it."""
    require(may_send_notices(request.user))
    form = NoticeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "send":
            notice = notice_send(
                sender=request.user, kind=data["kind"], subject=data["subject"], body=data["body"],
                organizations=data["organizations"], account=data["account"],
            )  # fmt: skip
            messages.success(request, f"Notice queued to {notice.mails.count()} address(es).")
            return redirect("keyaccounts:notice", notice.pk)
        preview = notice_recipients(data["organizations"])
        return render(request, "keyaccounts/notice_new.html", {"form": form, "preview": preview})
    return render(request, "keyaccounts/notice_new.html", {"form": form})


def notice_page(request, notice_id):
    require(may_send_notices(request.user))
    notice = get_object_or_404(notices_visible_to(request.user), pk=notice_id)
    mails = notice.mails.select_related("organization", "contact").order_by("organization__name", "address")
    return render(
        request,
        "keyaccounts/notice_page.html",
        {"notice": notice, "mails": mails, "counts": notice_delivery(notice)},
    )
