"""The budget and health console (docs/channels.md "Budget and health console"): admins only."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.utils import timezone

from .console import DAYS, XPrices, console_accounts

manage_settings = permission_required("tickets.manage_settings", raise_exception=True)


@manage_settings
def console(request):
    now = timezone.now()
    accounts = console_accounts(now)
    billed = [item for item in accounts if item.billed]
    context = {
        "accounts": accounts,
        "now": now,
        "days": DAYS,
        "prices": XPrices.from_settings(),
        "x_spend_today": sum(item.today.spend for item in billed) if billed else None,
        "x_spend_week": sum(item.week_spend for item in billed) if billed else None,
    }
    return render(request, "channels/console.html", context)
