"""Login throttling's two hooks into django-axes (settings.AXES_*): who is asking, and the page a
locked-out sign-in gets.

The lock is on a username from one address (see settings.py for the policy and why); admins lift
it in Django admin (Axes > Access attempts: delete the row) or with
`manage.py axes_reset_username <username>`.
"""

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses a locked-out sign-in before its password is checked (first in AUTHENTICATION_BACKENDS).

    Every web sign-in (the login page, Django admin's) passes its request. One without a request
    (Django's test client `login`, a shell) comes from no address, and axes can neither count nor
    lock it; it goes on to the password check instead of failing, as axes' own backend would.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_address(request):
    """The address a sign-in came from: the connection's, or behind our one HTTPS proxy the last
    X-Forwarded-For entry (the one the proxy added; earlier ones are whatever the client sent)."""
    if settings.BEHIND_HTTPS_PROXY:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """The sign-in page's answer while a username is locked: plain words and how long to wait (429)."""
    username = get_client_username(request, credentials) or ""
    context = {"username": username, "minutes": minutes_until_unlocked(request, username)}
    return render(request, "staff/locked_out.html", context, status=429)


def minutes_until_unlocked(request, username):
    """Whole minutes (at least 1) until the lock on this username from this address ends."""
    cool_off = get_cool_off(request)
    last_failure = (
        AccessAttempt.objects.filter(username=username, ip_address=get_client_ip_address(request))
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    if last_failure is None:
        return math.ceil(cool_off.total_seconds() / 60)
    left = last_failure + cool_off - timezone.now()
    return max(1, math.ceil(left.total_seconds() / 60))
