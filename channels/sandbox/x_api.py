"""A fake X API v2 on loopback, for tests and `make run`: the real tweepy client talks to it over HTTP.

    sandbox = XApiSandbox()        # port 0: any free port (tests); a fixed one for `make run`
    base_url = sandbox.start()     # serves from a background thread
    sandbox.add_mention("42", "kjones", "Kim Jones", "Power out on Elm St")
    sandbox.stop()

Point a ChannelAccount at it with settings["api_base_url"] = base_url and self_external_id =
sandbox.account_id; any OAuth 1.0a or Bearer credentials are accepted.

It serves what the X adapter reads and writes: GET /2/users/me, /2/users/:id/mentions,
/2/users/:id/tweets (our own timeline, for looking up a reply whose send was cut off), /2/dm_events
and the per-conversation /2/dm_conversations/:id/dm_events and /with/:participant_id/dm_events;
POST /2/tweets and the DM sends; PUT /2/tweets/:id/hidden (moderation: only a reply in a conversation
our account started, as on X; `state.hidden_changes` lists them).

Faults, for tests: `fail_next(n, status)` answers the next n API calls with that error (429 with
X's rate-limit headers); `delay_next(seconds)` does the work of the next call, then holds its answer
back, as a slow X would; `serve_page_twice()` answers the mentions request after the next one with
that same page again; `revoke_token()` answers 401 to everything (`restore_token()` ends it);
`close_dms(user_id)` refuses DMs to that user. `requests` logs every API call with its answer,
before the answer is written. GET / is a page for a human watching which replies came in.

Standalone: python -m channels.sandbox.x_api --port 8101
"""

import argparse
import html
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .x_state import ApiError, XState, one_to_one

DEFAULT_ACCOUNT = {
    "user_id": "1500000000000000001",
    "username": "PrairieEGHelp",
    "name": "Prairie Electric & Gas",
}
RATE_LIMIT = 75  # per 15-minute window, X's limit for the mentions timeline (user context)
ROUTES = [
    ("GET", re.compile(r"/2/users/me"), "_me"),
    ("GET", re.compile(r"/2/users/(\d+)/mentions"), "_mentions"),
    ("GET", re.compile(r"/2/users/(\d+)/tweets"), "_user_tweets"),
    ("GET", re.compile(r"/2/dm_events"), "_dm_events"),
    ("GET", re.compile(r"/2/dm_conversations/with/(\d+)/dm_events"), "_dm_events_with"),
    ("GET", re.compile(r"/2/dm_conversations/([\w-]+)/dm_events"), "_dm_events_in"),
    ("POST", re.compile(r"/2/tweets"), "_post_tweet"),
    ("POST", re.compile(r"/2/dm_conversations/with/(\d+)/messages"), "_send_dm_to"),
    ("POST", re.compile(r"/2/dm_conversations/([\w-]+)/messages"), "_send_dm"),
    ("PUT", re.compile(r"/2/tweets/(\d+)/hidden"), "_hide_reply"),
]


@dataclass
class Reply:
    status: int
    body: dict
    headers: dict = field(default_factory=dict)
    delay: float = 0


class XApiSandbox:
    def __init__(self, host="127.0.0.1", port=0, **account):
        account = {**DEFAULT_ACCOUNT, **account}
        self.state = XState(account["user_id"], account["username"], account["name"])
        self.host, self.port = host, port
        self.requests = []
        self._faults = []
        self._delay = 0
        self._repeat_armed = False
        self._page_to_repeat = None
        self._revoked = False
        self._stopping = threading.Event()
        self._server = None

    # Life cycle

    def start(self):
        self._server = _Server((self.host, self.port), _Handler)
        self._server.sandbox = self
        # A short poll interval, because stop() waits up to one interval (once per test).
        serve = {"target": self._server.serve_forever, "kwargs": {"poll_interval": 0.05}}
        threading.Thread(**serve, name="x-api-sandbox", daemon=True).start()
        return self.url

    def stop(self):
        self._stopping.set()  # wakes answers held back by delay_next
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # What customers do, and what we sent

    @property
    def account_id(self):
        return self.state.me["id"]

    @property
    def username(self):
        return self.state.me["username"]

    def add_mention(self, author_id, username, name, text, in_reply_to=None, conversation_id=None):
        return self.state.add_mention(author_id, username, name, text, in_reply_to, conversation_id)

    def add_post(self, author_id, username, name, text):
        return self.state.add_post(author_id, username, name, text)

    def add_dm(self, sender_id, username, name, text, conversation_id=None):
        return self.state.add_dm(sender_id, username, name, text, conversation_id)

    @property
    def posted_tweets(self):
        return list(self.state.posted_tweets)

    @property
    def sent_dms(self):
        return list(self.state.sent_dms)

    def close_dms(self, user_id):
        """The user accepts DMs only from accounts they follow: a DM to them is refused, as on X."""
        with self.state.lock:
            self.state.closed_dms.add(user_id)

    # Faults

    def fail_next(self, n=1, status=500, reset_in=900, *, after=0):
        """Answer n API calls with `status` (429: rate limit resetting in `reset_in` s), `after` calls from
        now."""
        with self.state.lock:
            self._faults.extend([None] * after + [(status, reset_in)] * n)

    def delay_next(self, seconds):
        with self.state.lock:
            self._delay = seconds

    def serve_page_twice(self):
        with self.state.lock:
            self._repeat_armed = True

    def revoke_token(self):
        self._revoked = True

    def restore_token(self):
        self._revoked = False

    def clear_faults(self):
        """Forget the failures still waiting (fail_next, delay_next); the token stays as it is."""
        with self.state.lock:
            self._faults, self._delay = [], 0

    def faults(self):
        """What is wrong now, for the control page: the token, and how many calls will still fail."""
        with self.state.lock:
            failing = [fault[0] for fault in self._faults if fault is not None]
        return {
            "token_revoked": self._revoked,
            "failing_calls": len(failing),
            "statuses": sorted(set(failing)),
        }

    # Serving

    def answer(self, method, path, params, authorization, body):
        with self.state.lock:
            delay, self._delay = self._delay, 0
            fault = self._faults.pop(0) if self._faults else None  # None: this call goes through
        reply = self._fault(*fault) if fault else self._route(method, path, params, authorization, body)
        reply.delay = delay
        return reply

    def _route(self, method, path, params, authorization, body):
        if self._revoked or not authorization.startswith(("OAuth ", "Bearer ")):
            return Reply(
                401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
            )
        for route_method, pattern, name in ROUTES:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                try:
                    return Reply(
                        201 if method == "POST" else 200, getattr(self, name)(params, body, *match.groups())
                    )
                except ApiError as error:
                    return Reply(error.status, error.body)
        detail = f"No {method} route for {path} in this sandbox."
        return Reply(
            404, {"title": "Not Found Error", "type": "about:blank", "status": 404, "detail": detail}
        )

    def _fault(self, status, reset_in):
        title = HTTPStatus(status).phrase
        reply = Reply(status, {"title": title, "type": "about:blank", "status": status, "detail": title})
        if status == 429:
            reset = str(int(time.time() + reset_in))
            reply.headers = {
                "x-rate-limit-limit": str(RATE_LIMIT),
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": reset,
            }
        return reply

    def hold_back(self, seconds):
        self._stopping.wait(seconds)

    def record(self, method, path, params, reply):
        entry = {
            "method": method,
            "path": path,
            "params": params,
            "status": reply.status,
            "headers": reply.headers,
        }
        with self.state.lock:
            self.requests.append({**entry, "response": reply.body})

    # Endpoints

    def _me(self, params, body):
        return {"data": {key: self.state.me[key] for key in ("id", "name", "username")}}

    def _mentions(self, params, body, user_id):
        if user_id != self.account_id:
            return {"meta": {"result_count": 0}}  # the sandbox holds only our account's mentions
        with self.state.lock:
            if self._page_to_repeat is not None:
                page, self._page_to_repeat = self._page_to_repeat, None
                return page
            page = self.state.mentions_page(params)
            if self._repeat_armed:
                self._repeat_armed, self._page_to_repeat = False, page
            return page

    def _user_tweets(self, params, body, user_id):
        return self.state.user_tweets_page(user_id, params)

    def _dm_events(self, params, body):
        return self.state.dm_events_page(params)

    def _dm_events_with(self, params, body, participant_id):
        return self.state.dm_events_page(params, one_to_one(participant_id, self.account_id))

    def _dm_events_in(self, params, body, conversation_id):
        return self.state.dm_events_page(params, conversation_id)

    def _post_tweet(self, params, body):
        return self.state.post_tweet(_object(body))

    def _send_dm(self, params, body, conversation_id):
        return self.state.send_dm(conversation_id, _object(body))

    def _send_dm_to(self, params, body, participant_id):
        return self.state.send_dm_to(participant_id, _object(body))

    def _hide_reply(self, params, body, tweet_id):
        return self.state.hide_reply(tweet_id, _object(body))

    def page(self):
        """GET /: what a human watching `make run` wants to see."""
        with self.state.lock:
            tweets = _items(self.state.posted_tweets, "reply to", "in_reply_to_tweet_id")
            dms = _items(self.state.sent_dms, "conversation", "dm_conversation_id")
            counts = f"{len(self.state.mention_ids)} mentions, {len(self.state.dm_events)} DM events"
        return (
            f"<!doctype html><title>X API sandbox</title>"
            f"<h1>X API sandbox: @{html.escape(self.username)}</h1>"
            f"<p>{counts}.</p><h2>Replies posted</h2><ul>{tweets or '<li>none yet</li>'}</ul>"
            f"<h2>DMs sent</h2><ul>{dms or '<li>none yet</li>'}</ul>"
        )


def _items(posts, label, key):
    return "".join(
        f"<li>{html.escape(post['text'])} <small>({label} {post[key]})</small></li>" for post in posts
    )


def _object(body):
    if not isinstance(body, dict):
        raise ApiError(400, "Invalid Request", "The request body is not a JSON object.")
    return body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for an answer held back by delay_next


class _Handler(BaseHTTPRequestHandler):
    server_version = "XApiSandbox/1"

    def do_GET(self):  # noqa: N802 - the name http.server calls
        if urlsplit(self.path).path == "/":
            self._write(
                200, {"Content-Type": "text/html; charset=utf-8"}, self.server.sandbox.page().encode()
            )
        else:
            self._serve("GET")

    def do_POST(self):  # noqa: N802
        self._serve("POST")

    def do_PUT(self):  # noqa: N802
        self._serve("PUT")

    def _serve(self, method):
        sandbox = self.server.sandbox
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query))
        reply = sandbox.answer(method, url.path, params, self.headers.get("Authorization", ""), self._body())
        sandbox.hold_back(reply.delay)
        headers = {"Content-Type": "application/json", **reply.headers}
        # Logged before the answer leaves: a test that has its answer finds it in `requests`.
        sandbox.record(method, url.path, params, reply)
        self._write(reply.status, headers, json.dumps(reply.body).encode())

    def _body(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return None

    def _write(self, status, headers, content):
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped waiting (a timeout): the work is done all the same, as on X

    def log_message(self, format, *args):  # noqa: A002
        pass  # `requests` is the log; stderr lines would drown test output


def main():
    parser = argparse.ArgumentParser(description="Serve a fake X API v2 on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    arguments = parser.parse_args()
    sandbox = XApiSandbox(arguments.host, arguments.port)
    print(f"X API sandbox for @{sandbox.username} (id {sandbox.account_id}) at {sandbox.start()}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sandbox.stop()


if __name__ == "__main__":
    main()
