"""Admin pages for channel accounts: list with health, add, edit, enable/disable, test."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from oss_inbox.errors import get_or_404
from oss_inbox.sla.services import sla_settings_changed

from .base import UNREADABLE_CREDENTIALS
from .connection_test import connection_test
from .forms import ChannelAccountForm
from .models import ChannelAccount, ChannelKind
from .polling import account_connection_confirmed, account_enable
from .token_expiry import account_token_expiry_learned
from .webhooks.health import webhooks_summary

manage_settings = permission_required("tickets.manage_settings", raise_exception=True)


# Supervisors watch the channels' health too (on a storm night, from a phone); only admins change them.
view_accounts = permission_required("channels.view_channelaccount", raise_exception=True)


@view_accounts
def account_list(request):
    now = timezone.now()
    accounts = list(ChannelAccount.objects.all())
    for account in accounts:  # "Webhooks: healthy, last delivery 2 min ago, 3 items missed (...)"
        account.webhooks_words = webhooks_summary(account, now)
    context = {
        "accounts": accounts,
        "kinds": ChannelKind.choices,
        "now": now,
        "unreadable_credentials": UNREADABLE_CREDENTIALS,
    }
    return render(request, "channels/list.html", context)


@manage_settings
def account_edit(request, account_id=None):
    account = _account(account_id) if account_id else ChannelAccount()
    kind = account.kind or request.GET.get("kind") or request.POST.get("kind")
    if kind not in ChannelKind.values:
        messages.error(request, "Choose which kind of channel to add.")
        return redirect("channels:list")
    form = ChannelAccountForm(request.POST or None, instance=account, kind=kind)
    unreadable = UNREADABLE_CREDENTIALS if form.unreadable else ""
    if request.method == "POST" and form.is_valid():
        account = form.save()
        if "coverage_schedule" in form.changed_data:
            sla_settings_changed()  # its open tickets' coverage-hours targets count on other hours now
        messages.success(request, _saved_words(account, form))
        return redirect("channels:list")
    return render(
        request,
        "channels/edit.html",
        {
            "form": form,
            "account": account,
            "kind": kind,
            "kind_label": ChannelKind(kind).label,
            "unreadable": unreadable,
        },
    )


def _saved_words(account, form):
    words = f"Saved {account.name}."
    if form.resumed:
        words += " Polling resumes."
    for label in form.secrets_dropped():
        words += (
            f" No {label} is saved now (the unreadable one could not be kept): enter it if the account uses "
            "one."
        )
    return words


@manage_settings
@require_POST
def account_toggle(request, account_id):
    account = _account(account_id)
    account_enable(account, not account.enabled)
    messages.success(request, f"{account.name} is now {'disabled' if account.enabled else 'enabled'}.")
    return redirect("channels:list")


@manage_settings
@require_POST
def account_check(request, account_id):
    """Try the credentials now and answer in plain words (channels/connection_test.py); on success,
    clear a permanent error so polling resumes, and poll a failing account now rather than when its
    backoff ends (the admin just saw the channel answer)."""
    account = _account(account_id)
    test = connection_test(account)
    outcome = test.sentence + (account_connection_confirmed(account) if test.ok else "")
    learned = account_token_expiry_learned(account, test.token_expiry)
    if learned:  # a sentence of its own after the test's (some end without a full stop)
        outcome = f"{outcome.rstrip('.')}. {learned}"
    context = {"account": account, "outcome": outcome, "ok": test.ok, "detail": test.detail}
    if request.htmx:
        return render(request, "channels/list.html#check-result", context)
    (messages.success if test.ok else messages.error)(request, outcome)
    return redirect("channels:list")


def _account(account_id):
    return get_or_404(ChannelAccount.objects.all(), f"No channel account #{account_id}.", pk=account_id)
