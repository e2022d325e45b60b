"""The key-account view of the supervisor dashboard (mounted at /dashboards/key-accounts/)."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from .dashboard import key_account_rows


@permission_required("tickets.view_dashboards", raise_exception=True)
def key_accounts(request):
    return render(request, "keyaccounts/dashboard.html", {"rows": key_account_rows()})
