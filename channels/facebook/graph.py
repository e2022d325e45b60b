"""A thin Graph API client on requests. Why not python-facebook-api: docs/facebook-client.md.

Every call has a timeout; every failure becomes a ChannelError classified by the Graph error CODE
(never by its message text) and the HTTP status, so polling and sending know whether to retry,
when to come back, or to call an admin.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import requests
from django.conf import settings
from urllib3.exceptions import NewConnectionError

from channels.base import ChannelError, DeliveryUnknown
from channels.explain import plain_reason

from .parse import TOKEN_CODES, graph_error

GRAPH_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v24.0"  # without Django settings; the app uses settings.GRAPH_API_VERSION
CONNECT_TIMEOUT = 5.0
# Facebook names no time for most throttles; its docs advise waiting before calling again.
THROTTLE_PAUSE = timedelta(minutes=15)
USAGE_HEADERS = ("X-App-Usage", "X-Page-Usage", "X-Business-Use-Case-Usage")
# 1 "API Unknown" and 2 "API Service" are Facebook's own hiccups: the same call may succeed later.
TRANSIENT_CODES = {1, 2}
OUTSIDE_MESSAGING_WINDOW = (10, 2018278)
# Private replies to comments: one per comment (10900), within 7 days of it (10903).
PRIVATE_REPLY_REFUSALS = {
    10900: "Facebook allows one private reply per comment, and this comment already has one.",
    10903: "Facebook allows a private reply only within 7 days of the comment; answer it publicly instead.",
}
# A paging loop that never ends is a bug somewhere; stop it instead of polling forever.
MAX_PAGES = 500

TOKEN_EXPIRED = (
    "Facebook says the Page access token has expired or was revoked — an admin must reconnect the Page."
)
PERMISSION_MISSING = (
    "Facebook says the Page access token lacks a permission this needs (Graph error {code}) — an admin must "
    "reconnect the Page and grant it."
)
WINDOW_CLOSED = (
    "Messenger lets a Page answer only within 24 hours of the customer's last message, so this reply was "
    "not sent."
)


def graph_api_version():
    """The Graph API version of every Facebook and Instagram call: settings.GRAPH_API_VERSION (the
    environment's GRAPH_API_VERSION), unless an account's own graph_version setting overrides it."""
    return getattr(settings, "GRAPH_API_VERSION", "") or DEFAULT_VERSION


class GraphApiError(ChannelError):
    """A Graph API error response, with its code and subcode for callers that act on one."""

    def __init__(self, message, *, code=None, subcode=None, status=None, graph_message="", **kwargs):
        super().__init__(message, **kwargs)
        self.code = code
        self.subcode = subcode
        self.status = status
        self.graph_message = graph_message  # Graph's own words, for an admin's Details


class GraphClient:
    """GET and POST on one Graph API host and version, authenticated with a Page access token."""

    def __init__(
        self, *, access_token, app_secret="", base_url=GRAPH_URL, version=DEFAULT_VERSION, timeout=20.0
    ):
        self.base_url = (base_url or GRAPH_URL).rstrip("/")
        self.version = version or DEFAULT_VERSION
        self.timeout = (min(CONNECT_TIMEOUT, timeout), timeout)
        self.session = requests.Session()
        # A header keeps the token out of URLs (and so out of proxy and debug logs).
        self.session.headers["Authorization"] = f"Bearer {access_token}"
        self.proof = _appsecret_proof(access_token, app_secret)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.session.close()

    def get(self, path, **params):
        return self._get(self._url(path), params={**params, **self.proof})

    def pages(self, path, **params):
        """Each page of an edge, following paging.next until the caller stops or the edge ends."""
        body = self.get(path, **params)
        for _ in range(MAX_PAGES):
            yield body
            next_url = (body.get("paging") or {}).get("next")
            if not next_url or not body.get("data"):
                return
            body = self._get(self._on_our_host(next_url), params=self._missing_proof(next_url))
        raise ChannelError(
            f"Facebook kept returning pages of {path} past {MAX_PAGES}; stopped to retry later."
        )

    def post(self, path, *, data=None, json_body=None):
        """A write (a reply). Cut off after the request left, it raises DeliveryUnknown: it may have gone
        out."""
        try:
            response = self.session.post(
                self._url(path), params=self.proof, data=data, json=json_body, timeout=self.timeout
            )
        except requests.RequestException as error:
            if _never_connected(error):
                raise ChannelError(
                    f"Could not connect to Facebook ({_reason(error)}); will retry."
                ) from error
            raise DeliveryUnknown(
                "The connection to Facebook broke after the reply was sent; it may or may not have been "
                "posted."
            ) from error
        return _body(response, refusal_is_permanent=True)

    def _get(self, url, params):
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.Timeout as error:
            raise ChannelError(f"Facebook did not answer in time ({_reason(error)}); will retry.") from error
        except requests.RequestException as error:
            raise ChannelError(f"Could not reach Facebook ({_reason(error)}); will retry.") from error
        return _body(response, refusal_is_permanent=False)

    def _url(self, path):
        return f"{self.base_url}/{self.version}/{path.lstrip('/')}"

    def _on_our_host(self, url):
        """paging.next is absolute; keep the token on the host we were configured with (a sandbox, a
        proxy)."""
        if url.startswith(self.base_url + "/"):
            return url
        parts = urlsplit(url)
        return f"{self.base_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    def _missing_proof(self, url):
        present = {key for key, _ in parse_qsl(urlsplit(url).query)}
        return {key: value for key, value in self.proof.items() if key not in present}


def _appsecret_proof(access_token, app_secret):
    # Graph asks for appsecret_proof on server calls when the app requires it; harmless otherwise.
    if not app_secret:
        return {}
    digest = hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()
    return {"appsecret_proof": digest}


def _never_connected(error):
    """True only when we are sure the request never reached Facebook (so sending again is safe)."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(error, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def _reason(error):
    return plain_reason(error)


def _body(response, *, refusal_is_permanent):
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "error" in body:
        raise error_from_response(body, response, refusal_is_permanent=refusal_is_permanent)
    if response.status_code >= 400 or not isinstance(body, dict):
        raise GraphApiError(
            f"Facebook answered HTTP {response.status_code} without a usable body; will retry.",
            status=response.status_code,
            graph_message=response.text[:300],
        )
    return body


def error_from_response(body, response, *, refusal_is_permanent):
    """A Graph error body -> GraphApiError: permanent (an admin must act), throttled, or transient.

    A refusal (a 4xx that is neither throttling nor one of Facebook's own hiccups) repeats if the
    same request is sent again: permanent for a reply, retried with backoff for a poll (an object
    not found, 368 "temporarily blocked": the poll tries again and reports a long run to admins).
    """
    error = graph_error(body)
    ids = {
        "code": error.code,
        "subcode": error.subcode,
        "status": response.status_code,
        "graph_message": error.message,
    }
    if error.code in TOKEN_CODES:
        return GraphApiError(TOKEN_EXPIRED, permanent=True, **ids)
    if (error.code, error.subcode) == OUTSIDE_MESSAGING_WINDOW:
        return GraphApiError(WINDOW_CLOSED, permanent=True, **ids)
    if error.code in PRIVATE_REPLY_REFUSALS:
        return GraphApiError(PRIVATE_REPLY_REFUSALS[error.code], permanent=True, **ids)
    if error.permanent:
        return GraphApiError(PERMISSION_MISSING.format(code=error.code), permanent=True, **ids)
    if error.throttled:
        retry_at = throttled_until(response.headers)
        text = (
            f"Facebook is limiting calls for this Page (Graph error {error.code}); next try at "
            f"{retry_at:%H:%M} UTC."
        )
        return GraphApiError(text, retry_at=retry_at, **ids)
    if response.status_code >= 500 or error.code in TRANSIENT_CODES or body["error"].get("is_transient"):
        return GraphApiError(
            f"Facebook had a temporary problem (HTTP {response.status_code}); will retry.", **ids
        )
    text = f"Facebook refused the request (Graph error {error.code}): {error.message}"
    return GraphApiError(text, permanent=refusal_is_permanent, **ids)


def throttled_until(headers, now=None):
    """When to call again: the longest estimated_time_to_regain_access (minutes) in the usage headers."""
    now = now or datetime.now(UTC)
    minutes = [value for name in USAGE_HEADERS for value in _regain_minutes(headers.get(name))]
    if not minutes:
        return now + THROTTLE_PAUSE
    return now + timedelta(minutes=max(1, max(minutes)))


def _regain_minutes(header):
    try:
        usage = json.loads(header) if header else None
    except ValueError:
        return []
    found, pending = [], [usage]
    while pending:  # the header nests per business object and per type: search it all
        value = pending.pop()
        if isinstance(value, dict):
            minutes = value.get("estimated_time_to_regain_access")
            if isinstance(minutes, (int, float)) and not isinstance(minutes, bool):
                found.append(minutes)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return found
