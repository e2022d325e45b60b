"""A failed Test connection in plain words: what happened and what to do, with the raw detail apart.

The adapters' errors are written for the background poll ("will try again", "next poll at ..."):
right on the health page, wrong as the answer to an admin who just pressed Test connection. The
raw exception a ChannelError was raised from (its `__cause__`, and what that wraps: requests'
MaxRetryError -> urllib3's NameResolutionError -> socket.gaierror) says what really happened;
these helpers find it and say it for one server ("Cannot find the server api.example.com — check
the API base URL."). Each channel's own explain.py adds its answers (401, a missing folder, ...).
"""

import math
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

RETRY_WORDS = ("poll", "retry", "retried", "try again later", "will try again")
MAX_DETAIL = 2000


@dataclass(frozen=True)
class Server:
    """Where a test connects, as the admin set it: the words a sentence uses for it."""

    service: str  # "X", "Facebook", "The IMAP server"
    host: str
    port: int | None
    setting: str  # what to check: "API base URL", "IMAP host and port"
    timeout: float | None = None

    @property
    def address(self):
        return f"{self.host} port {self.port}" if self.port else self.host


def server_of_url(service, url, setting, timeout=None):
    """A Server for a web API at `url` (its host and port, the scheme's port when none is written)."""
    parts = urlsplit(url or "")
    try:
        port = parts.port
    except ValueError:
        port = None
    port = port or {"https": 443, "http": 80}.get(parts.scheme)
    return Server(service, parts.hostname or url, port, setting, timeout)


def causes(error):
    """The exceptions behind `error`, nearest first: its cause or context, and what a wrapper holds
    (requests' errors hold urllib3's in args[0], urllib3's MaxRetryError its `reason`)."""
    found, pending, seen = [], [error.__cause__ or error.__context__], {id(error)}
    while pending:
        current = pending.pop(0)
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        found.append(current)
        inner = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        pending += [*inner, *(current.args[:1] if current.args else ())]
    return found


def first(found, *kinds):
    return next((error for error in found if isinstance(error, kinds)), None)


def technical_detail(error):
    """The raw exceptions behind a failure, one per line, for the admin's collapsed Details."""
    lines = [f"{type(cause).__name__}: {cause}" for cause in causes(error)]
    answer = _answer_detail(error)
    if answer:
        lines.insert(0, answer)
    return "\n".join(dict.fromkeys(lines))[:MAX_DETAIL]


def _answer_detail(error):
    """What a service answered, when the error carries it (channels.facebook.graph.GraphApiError)."""
    status = getattr(error, "status", None)
    if not status:
        return ""
    code, subcode = getattr(error, "code", None), getattr(error, "subcode", None)
    parts = [
        f"HTTP {status}",
        f"error code {code}" + (f", subcode {subcode}" if subcode else "") if code is not None else "",
        getattr(error, "graph_message", ""),
    ]
    return " · ".join(part for part in parts if part)


BAD_URL = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    urllib3.exceptions.LocationParseError,
)
TIMEOUTS = (TimeoutError, requests.Timeout, urllib3.exceptions.TimeoutError)


def network_sentence(error, server):
    """What went wrong on the way to `server`, in plain words, or "" when it was not the network."""
    found = causes(error)
    if first(found, *BAD_URL):
        return f"The {server.setting} is not a web address — write it as https://host, or leave it empty."
    if first(found, socket.gaierror, urllib3.exceptions.NameResolutionError):
        return f"Cannot find the server {server.host} — check the {server.setting}."
    certificate = first(found, ssl.SSLCertVerificationError)
    if certificate:
        return (
            f"{server.host} presented a security certificate we cannot trust "
            f"({certificate.verify_message or 'not valid'}) — check the {server.setting}: it must be "
            "the service's own address."
        )
    if first(found, ssl.SSLError, requests.exceptions.SSLError):
        return (
            f"Could not start a secure (TLS) connection with {server.address}: it does not speak TLS "
            f"there — check the {server.setting}."
        )
    if first(found, ConnectionRefusedError):
        return (
            f"{server.address} refused the connection: nothing is listening there — check the "
            f"{server.setting}."
        )
    if first(found, *TIMEOUTS):
        within = (
            f" within {server.timeout:g} second{'s' if server.timeout != 1 else ''}" if server.timeout else ""
        )
        return (
            f"{server.address} did not answer{within} — check the {server.setting}; if "
            f"{'they are' if ' and ' in server.setting else 'it is'} right, "
            f"{server.service} may be down: test again in a few minutes."
        )
    if first(found, ConnectionError, requests.ConnectionError):
        return (
            f"The connection to {server.address} broke off before it answered — check the "
            f"{server.setting}, then test again."
        )
    return ""


def minutes_until(moment, now=None):
    """Whole minutes from now until `moment`, rounded up, at least 1."""
    now = now or datetime.now(UTC)
    return max(1, math.ceil((moment - now).total_seconds() / 60))


def minutes_words(minutes):
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def speaks_of_retrying(sentence):
    """Whether a sentence speaks of the background poll: not for a test's answer."""
    lowered = sentence.lower()
    return any(words in lowered for words in RETRY_WORDS)


def plain_reason(error):
    """A few words for what stopped a request, for the poll's own messages ("server not found")."""
    found = [error, *causes(error)]
    for kinds, words in (
        (BAD_URL, "the base URL is not a web address"),
        ((socket.gaierror, urllib3.exceptions.NameResolutionError), "server not found"),
        ((ssl.SSLError, requests.exceptions.SSLError), "secure connection failed"),
        ((ConnectionRefusedError,), "connection refused"),
        (TIMEOUTS, "no answer in time"),
    ):
        if first(found, *kinds):
            return words
    return "the connection failed"
