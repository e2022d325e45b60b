"""The webhook URLs the platforms call: no login, no CSRF token (their signatures stand in for both).

GET answers the platform's check of the URL (Meta's verify-token challenge, X's CRC); POST hands the
raw body to receive.py, which commits it before the answer, so a 200 means it is stored.
"""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from channels.models import ChannelAccount, WebhookDelivery

from . import signatures
from .receive import delivery_receive, secret_of


@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def meta(request):
    if request.method == "GET":
        return _meta_challenge(request)
    return _receive(request, WebhookDelivery.Platform.META, "X-Hub-Signature-256")


@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def x(request):
    if request.method == "GET":
        return _x_crc(request)
    return _receive(request, WebhookDelivery.Platform.X, "X-Twitter-Webhooks-Signature")


def _meta_challenge(request):
    """Meta's check of the callback URL: the challenge echoed when the token is one an enabled Facebook
    or Instagram account here holds as its "webhook_verify_token"."""
    if request.GET.get("hub.mode") != "subscribe":
        return _refuse(400, "Expected hub.mode=subscribe.")
    token = request.GET.get("hub.verify_token", "")
    accounts = ChannelAccount.objects.filter(kind__in=("facebook", "instagram"), enabled=True)
    if not any(
        signatures.same_token(token, str(a.settings.get("webhook_verify_token") or "")) for a in accounts
    ):
        return _refuse(403, "The verify token matches no Facebook or Instagram account here.")
    return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")


def _x_crc(request):
    """X's challenge-response check, with the consumer secret of the X accounts here (`?user=<X user id>`
    picks one when accounts of several X apps share this URL)."""
    crc_token = request.GET.get("crc_token", "")
    if not crc_token:
        return _refuse(400, "Expected a crc_token.")
    accounts = ChannelAccount.objects.filter(kind="twitter", enabled=True).order_by("pk")
    if request.GET.get("user"):
        accounts = accounts.filter(self_external_id=request.GET["user"])
    secrets = list(dict.fromkeys(secret for secret in map(secret_of, accounts) if secret))
    if not secrets:
        return _refuse(403, "No enabled X account here has an API key secret.")
    if len(secrets) > 1:
        return _refuse(403, "X accounts of several apps share this URL: register it with ?user=<X user id>.")
    return JsonResponse({"response_token": signatures.crc_response_token(crc_token, secrets[0])})


def _receive(request, platform, header):
    # Refused before the body is read: a long body costs nothing but its headers.
    if _declared_length(request) > settings.WEBHOOK_MAX_BYTES:
        return _refuse(413, f"The body is over {settings.WEBHOOK_MAX_BYTES:,} bytes, the most taken.")
    answer = delivery_receive(platform, request.body, request.headers.get(header, ""))
    if answer.status == 200:
        return JsonResponse({"received": answer.delivery_id, "outcome": answer.text})
    return _refuse(answer.status, answer.text)


def _declared_length(request):
    try:
        return int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return 0


def _refuse(status, text):
    return HttpResponse(json.dumps({"error": text}), status=status, content_type="application/json")
