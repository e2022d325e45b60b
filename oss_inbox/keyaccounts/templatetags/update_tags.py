"""The quarterly updates panel on an organization's page (templates/keyaccounts/_updates_panel.html)."""

from django import template
from django.utils import timezone

from ..models import ProgressUpdate
from ..permissions import may_manage
from ..quarters import Quarter, local_day, next_update_due

register = template.Library()


@register.simple_tag(takes_context=True)
def updates_panel(context, organization):
    """Past updates (newest first) and the next one due, which is the one to write. One query.

    The next is the last quarter that ended while its update is unsent, else the running quarter
    (a manager may write it ahead, e.g. in the quarter's last days).
    """
    today = local_day(timezone.now())
    updates = list(ProgressUpdate.objects.filter(organization=organization).select_related("author")[:12])
    sent = {Quarter(u.year, u.quarter) for u in updates if u.status == ProgressUpdate.Status.SENT}
    quarter, due, overdue = next_update_due(today, sent)
    user = context.get("user") or context["request"].user
    return {
        "updates": updates, "next_quarter": quarter, "next_due": due, "overdue": overdue,
        "may_write": organization.is_key_account and may_manage(user, organization),
    }  # fmt: skip
