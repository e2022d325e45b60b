"""A fake Graph API on loopback, for tests and `make run`: our real Graph client talks to it over HTTP.

    sandbox = GraphApiSandbox()          # port 0: any free port (tests); a fixed one for `make run`
    base_url = sandbox.start()           # serves from a background thread
    post_id = sandbox.add_post("Outage update: crews on Elm St")
    sandbox.add_comment(post_id, "5501", "Kim Jones", "Any ETA for Oak Ave?")
    sandbox.add_messenger_message("7701", "Lee Park", "My bill doubled this month")
    sandbox.stop()

Point a facebook ChannelAccount at it with settings["graph_base_url"] = base_url,
self_external_id = sandbox.page_id and credentials["page_access_token"] = sandbox.token.

It serves what the Page adapter reads and writes, in Graph's shapes (see /work/shared/corpus/facebook):
GET /{page}, /{page}/feed, /{post-or-comment}/comments, /{page}/conversations (`user_id` finds one
person's), /{conversation}/messages, any object by id (a comment's `private_reply_conversation` once
it got its private reply); POST /{post-or-comment}/comments and the Send API POST /{page}/messages (to a
customer's PSID, or a private reply to a comment or visitor post: `recipient: {comment_id}`) and
POST /{comment-or-post} with `is_hidden` (moderation; `state.hidden_changes` lists them). The
version prefix (/v24.0/) is optional, as on Graph; `fields`, `limit`, `after`, `since`, `until`,
`order` and `filter` are honoured.

Faults, for tests: `fail_next(n, code=..., status=...)` answers the next n calls with a Graph error
(throttling codes carry an X-App-Usage header); `delay_next(seconds)` does the work of the next
call, then holds its answer back; `serve_page_twice()` makes the next page of an edge point at
itself once; `revoke_token()` answers 190 to everything (`expire_token()` as an expired one would,
`restore_token()` ends either). `requests` logs every call, `replies`
what the app posted. GET / is a page for a human watching the replies come in.

Standalone: python -m channels.sandbox.graph_api --port 8102
"""

import argparse
import hashlib
import hmac
import html
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .graph_shapes import ApiError, json_or_text, page_of, select, unix_time, unsupported
from .graph_state import HUMAN_AGENT_WINDOW, MESSAGING_WINDOW, GraphState

# The Send API's message tags (messaging_type MESSAGE_TAG); OSS Inbox sends HUMAN_AGENT only.
MESSAGE_TAGS = ("CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE", "HUMAN_AGENT")

DEFAULT_PAGE = {"page_id": "104000000000001", "page_name": "Prairie Electric & Gas"}
DEFAULT_TOKEN = "sandbox-page-token"
THROTTLING_CODES = {4, 17, 32, 613}
VERSION = re.compile(r"^/(v\d+\.\d+)(/.*)$")
ROUTES = [
    ("GET", re.compile(r"/(debug_token)"), "_debug_token"),
    ("GET", re.compile(r"/([\w.-]+)/(?:feed|posts)"), "_feed"),
    ("GET", re.compile(r"/([\w.-]+)/comments"), "_comments"),
    ("GET", re.compile(r"/([\w.-]+)/conversations"), "_conversations"),
    ("GET", re.compile(r"/([\w.-]+)/messages"), "_messages"),
    ("GET", re.compile(r"/([\w.-]+)"), "_object"),
    ("POST", re.compile(r"/([\w.-]+)/comments"), "_post_comment"),
    ("POST", re.compile(r"/([\w.-]+)/messages"), "_send_message"),
    ("POST", re.compile(r"/([\w.-]+)"), "_update_object"),
]


@dataclass
class Fault:
    remaining: int
    skip: int = 0
    match: str = ""
    error: ApiError | None = None
    delay: float = 0


@dataclass
class Answer:
    status: int
    body: dict
    headers: dict = field(default_factory=dict)
    delay: float = 0


class GraphApiSandbox:
    def __init__(self, host="127.0.0.1", port=0, token=DEFAULT_TOKEN, app_secret="", **page):
        page = {**DEFAULT_PAGE, **page}
        self.state = GraphState(page["page_id"], page["page_name"])
        self.host, self.port = host, port
        self.token, self.app_secret = token, app_secret
        # What debug_token says of the token: unix times, 0 for never (a Page token made from a
        # long-lived user token never expires).
        self.token_expires_at = self.data_access_expires_at = 0
        self.requests = []
        self._faults = []
        self._repeat_armed = False
        self._revoked = False
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = None
        # `make run` only: its demo history was written without the sandbox, so replies name
        # posts and customers the sandbox never saw. Tests keep Facebook's strictness.
        self.lenient = False

    # ---- life cycle ------------------------------------------------------------------------------

    def start(self):
        self._server = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._server.sandbox = self
        self.port = self._server.server_address[1]
        # A short poll interval, because stop() waits up to one interval (once per test: 0.5 s by default).
        serve = {"target": self._server.serve_forever, "kwargs": {"poll_interval": 0.05}}
        threading.Thread(**serve, name="graph-api-sandbox", daemon=True).start()
        return self.url

    def stop(self):
        self._stopping.set()  # wakes answers held back by delay_next
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def page_id(self):
        return self.state.page["id"]

    @property
    def replies(self):
        return list(self.state.replies)

    # ---- the world (see GraphState) ------------------------------------------------------------

    def add_post(self, text, from_page=True, author=None, at=None):
        return self.state.add_post(text, from_page=from_page, author=author, at=at)

    def add_comment(self, post_id, author_id, name, text, parent_id=None, at=None):
        return self.state.add_comment(post_id, author_id, name, text, parent_id=parent_id, at=at)

    def add_messenger_message(self, psid, name, text, at=None):
        return self.state.add_messenger_message(psid, name, text, at=at)

    # ---- faults ----------------------------------------------------------------------------------

    def fail_next(
        self, n=1, *, code=None, status=None, subcode=None, message=None, headers=None, skip=0, match=""
    ):
        """Answer the next n calls (after `skip` good ones; only "METHOD /path" containing `match`)
        with an error.

        Without a code, a status of 500 or more answers Graph's transient error 2.
        """
        code = code if code is not None else 2
        if headers is None and code in THROTTLING_CODES:
            headers = {"X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 12, "total_time": 15})}
        status = status or (500 if code in (1, 2) else 400)
        error = ApiError(code, message, status=status, subcode=subcode, headers=headers)
        with self._lock:
            self._faults.append(Fault(remaining=n, skip=skip, match=match, error=error))

    def delay_next(self, seconds, n=1, *, skip=0, match=""):
        """Do the work of the next n calls, then hold each answer back `seconds` (a slow Graph)."""
        with self._lock:
            self._faults.append(Fault(remaining=n, skip=skip, match=match, delay=seconds))

    def serve_page_twice(self):
        """The next page served points `next` at itself, so the client reads that page twice."""
        with self._lock:
            self._repeat_armed = True

    def revoke_token(self):
        self._revoked = "revoked"

    def expire_token(self):
        """The Page token's session expired: every call answers 190 with subcode 463, as Graph does."""
        self._revoked, self._expired_at = "expired", datetime.now(UTC)

    def restore_token(self):
        self._revoked = False

    def clear_faults(self):
        """Forget the failures and delays still waiting; the token stays as it is."""
        with self._lock:
            self._faults = []

    def faults(self):
        """What is wrong now, for the control page: the token, and how many calls will still fail."""
        with self._lock:
            failing = [fault for fault in self._faults if fault.error]
            codes = sorted({fault.error.code for fault in failing})
            return {
                "token": self._revoked or "ok",
                "failing_calls": sum(fault.remaining for fault in failing),
                "codes": codes,
            }

    def hold_back(self, seconds):
        """Wait before answering; True if the sandbox is stopping meanwhile (the answer is then dropped)."""
        return self._stopping.wait(seconds)

    # ---- answering -------------------------------------------------------------------------------

    def answer(self, request):
        with self._lock:
            self.requests.append(request)
        fault = self._take_fault(request)
        try:
            if fault and fault.error:
                raise fault.error
            self._authenticate(request)
            answer = self._route(request)
        except ApiError as error:
            answer = Answer(error.status, error.body(), error.headers)
        answer.delay = fault.delay if fault else 0
        return answer

    def _take_fault(self, request):
        with self._lock:
            for fault in self._faults:
                if fault.match not in f"{request['method']} {request['path']}":
                    continue
                if fault.skip:
                    fault.skip -= 1
                    return None
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _authenticate(self, request):
        if self._revoked == "expired":
            raise ApiError(
                190,
                f"Error validating access token: Session has expired on {_graph_clock(self._expired_at)}. "
                f"The current time is {_graph_clock(datetime.now(UTC))}.",
                subcode=463,
            )
        if self._revoked:
            raise ApiError(
                190,
                "Error validating access token: The session has been invalidated because the user changed "
                "their password or Facebook has changed the session for security reasons.",
                subcode=460,
            )
        if not request["token"]:
            raise ApiError(104, "An access token is required to request this resource.")
        if not hmac.compare_digest(request["token"], self.token):
            raise ApiError(190, "Invalid OAuth access token - Cannot parse access token")
        proof = request["query"].get("appsecret_proof") or request["form"].get("appsecret_proof")
        if self.app_secret and proof:
            expected = hmac.new(self.app_secret.encode(), self.token.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(proof, expected):
                raise ApiError(100, "Invalid appsecret_proof provided in the API argument")

    def _route(self, request):
        for method, pattern, handler in ROUTES:
            found = pattern.fullmatch(request["path"])
            if method == request["method"] and found:
                return Answer(200, getattr(self, handler)(request, found.group(1)))
        raise unsupported(request["method"], request["path"].strip("/").split("/")[0])

    # ---- endpoints -------------------------------------------------------------------------------

    def _debug_token(self, request, _path):
        """Graph's GET /debug_token?input_token=...: what the token is and when it expires."""
        if request["query"].get("input_token") != self.token:
            raise ApiError(190, "Invalid OAuth access token - Cannot parse access token")
        expiry = {"expires_at": self.token_expires_at, "data_access_expires_at": self.data_access_expires_at}
        return {"data": {"type": "PAGE", "is_valid": True, "profile_id": self.state.page["id"], **expiry}}

    def _object(self, request, object_id):
        found = self.state.find(object_id)
        if found is None:
            raise unsupported("GET", object_id)
        return select(found, request["query"].get("fields"), self.state.kind_of(object_id))

    def _feed(self, request, page_id):
        self._require_page(page_id, "GET")
        query = request["query"]
        posts = self.state.feed(
            since=unix_time(query.get("since")),
            until=unix_time(query.get("until")),
            own_only=request["path"].endswith("/posts"),
        )

        def render(post):
            return select(post, query.get("fields"), "post", {"comments": self._comment_summary(post["id"])})

        return self._page(request, posts, render)

    def _comments(self, request, object_id):
        if self.state.find(object_id) is None or object_id in self.state.conversations:
            raise unsupported("GET", object_id)
        query = request["query"]
        comments = self.state.comments_on(
            object_id,
            stream=query.get("filter") == "stream",
            reverse=query.get("order") == "reverse_chronological",
        )
        return self._page(request, comments, lambda comment: select(comment, query.get("fields"), "comment"))

    def _conversations(self, request, page_id):
        self._require_page(page_id, "GET")
        query = request["query"]
        on_messenger = query.get("platform", "messenger") == "messenger"
        conversations = self.state.conversation_list(user_id=query.get("user_id")) if on_messenger else []
        return self._page(request, conversations, lambda c: select(c, query.get("fields"), "conversation"))

    def _messages(self, request, conversation_id):
        if conversation_id not in self.state.conversations:
            raise unsupported("GET", conversation_id)
        messages = self.state.messages_in(conversation_id)
        fields = request["query"].get("fields")
        return self._page(request, messages, lambda message: select(message, fields, "message"))

    def _post_comment(self, request, object_id):
        if self.lenient and self.state.find(object_id) is None:
            self.state.adopt_post(object_id)
        if object_id not in self.state.posts and object_id not in self.state.comments:
            raise unsupported("POST", object_id)
        text = request["form"].get("message") or (request["json"] or {}).get("message")
        if not text:
            raise ApiError(100, "(#100) Missing message or attachment")
        if len(text) > 8000:
            raise ApiError(100, "(#100) The comment is longer than 8000 characters")
        return {"id": self.state.page_comment(object_id, text)}

    def _send_message(self, request, page_id):
        """The Send API: validated as Facebook does, including the 24-hour answer window."""
        self._require_page(page_id, "POST")
        body = request["json"] or {key: json_or_text(value) for key, value in request["form"].items()}
        recipient = body.get("recipient") or {}
        if "comment_id" in recipient or "post_id" in recipient:
            return self._private_reply(recipient, body)
        psid = recipient.get("id")
        text = (body.get("message") or {}).get("text")
        if psid and self.lenient and self.state.conversation_of(psid) is None:
            self.state.add_messenger_message(psid, "Customer", "(earlier conversation)")
        if not psid or self.state.conversation_of(psid) is None:
            raise ApiError(100, "(#100) No matching user found", subcode=2018001)
        if body.get("messaging_type") not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            raise ApiError(100, "(#100) param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}")
        if not text:
            raise ApiError(100, "(#100) param message must be non-empty.")
        if len(text) > 2000:
            raise ApiError(100, "(#100) Length of param message[text] must be less than or equal to 2000")
        if body["messaging_type"] == "MESSAGE_TAG" and body.get("tag") not in MESSAGE_TAGS:
            raise ApiError(100, f"(#100) param tag must be one of {{{', '.join(MESSAGE_TAGS)}}}")
        tagged = body["messaging_type"] == "MESSAGE_TAG" and body["tag"] == "HUMAN_AGENT"
        window = HUMAN_AGENT_WINDOW if tagged else MESSAGING_WINDOW
        if (body["messaging_type"] == "RESPONSE" or tagged) and self.state.outside_messaging_window(
            psid, window=window
        ):
            raise ApiError(10, "(#10) This message is sent outside of allowed window.", subcode=2018278)
        return {"recipient_id": psid, "message_id": self.state.page_message(psid, text)}

    def _private_reply(self, recipient, body):
        """A private reply: one Messenger message to a comment's (or visitor post's) author, once, within 7
        days."""
        object_id = recipient.get("comment_id") or recipient.get("post_id")
        text = (body.get("message") or {}).get("text")
        if not text:
            raise ApiError(100, "(#100) param message must be non-empty.")
        if len(text) > 2000:
            raise ApiError(100, "(#100) Length of param message[text] must be less than or equal to 2000")
        with self.state.lock:  # the check and the reply together: a second private reply is refused
            refusal = self.state.private_reply_refusal(object_id)
            if refusal:
                code, message, subcode = refusal
                raise ApiError(code, message, subcode=subcode)
            psid, message_id = self.state.private_reply(object_id, text)
        return {"recipient_id": psid, "message_id": message_id}

    def _update_object(self, request, object_id):
        """POST /{comment-or-post}: `is_hidden` hides a customer's comment or visitor post from everyone
        but its author, or shows it again (moderation); the only update the sandbox takes."""
        values = {**request["query"], **request["form"], **(request["json"] or {})}
        if "is_hidden" not in values:
            raise unsupported("POST", object_id)
        refusal = self.state.set_hidden(object_id, str(values["is_hidden"]).lower() in ("true", "1"))
        if refusal:
            raise ApiError(*refusal)
        return {"success": True}

    # ---- helpers ---------------------------------------------------------------------------------

    def _comment_summary(self, post_id):
        """The `comments.summary(true).limit(0)` field of a post: no comments, only their count."""

        def summary(_field):
            total = len(self.state.comments_on(post_id))
            return {"data": [], "summary": {"order": "ranked", "total_count": total, "can_comment": True}}

        return summary

    def _page(self, request, graph_objects, render):
        with self._lock:  # handlers run in threads: only one page takes the armed repeat
            repeat = self._repeat_armed and "__repeat" not in request["query"]
            if repeat:
                self._repeat_armed = False
        url_base = f"{self.url}{request['raw_path']}"
        return page_of(graph_objects, request["query"], url_base, render, repeat=repeat)

    def _require_page(self, object_id, method):
        if object_id != self.page_id:
            raise unsupported(method, object_id)

    def page_html(self):
        rows = "".join(
            f"<tr><td>{html.escape(r['kind'])}</td><td>{html.escape(r['to'])}</td><td>{html.escape(r['id'])}</td>"
            f"<td>{html.escape(r['text'])}</td></tr>"
            for r in self.replies
        )
        state = self.state
        return (
            f"<!doctype html><title>Graph API sandbox</title>"
            f"<h1>{html.escape(state.page['name'])} (Page {html.escape(self.page_id)})</h1>"
            f"<p>{len(state.posts)} posts, {len(state.comments)} comments, "
            f"{len(state.messages)} Messenger messages, {len(self.requests)} API calls.</p>"
            f"<h2>Replies received</h2>"
            f"<table><tr><th>Kind</th><th>To</th><th>Id</th><th>Text</th></tr>{rows}</table>"
        )


def _graph_clock(moment):
    """A time as Graph writes it in an expired token's message: 'Friday, 09-Feb-18 13:00:00 UTC'."""
    return moment.strftime("%A, %d-%b-%y %H:%M:%S UTC")


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if urlsplit(self.path).path in ("", "/"):
            self._write(
                200, self.server.sandbox.page_html().encode(), {"Content-Type": "text/html; charset=utf-8"}
            )
            return
        self._handle()

    def do_POST(self):
        self._handle()

    def _handle(self):
        sandbox = self.server.sandbox
        answer = sandbox.answer(self._request())
        if answer.delay and sandbox.hold_back(answer.delay):
            return  # stopping: drop the held-back answer, as a dying server would
        headers = {"Content-Type": "application/json; charset=UTF-8", **answer.headers}
        self._write(answer.status, json.dumps(answer.body).encode(), headers)

    def _request(self):
        parts = urlsplit(self.path)
        versioned = VERSION.match(parts.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        form, body_json = self._body()
        authorization = self.headers.get("Authorization", "")
        token = authorization.split(" ", 1)[1] if " " in authorization else ""
        return {
            "method": self.command,
            "path": versioned.group(2) if versioned else parts.path,
            "raw_path": parts.path,
            "version": versioned.group(1) if versioned else None,
            "query": query,
            "form": form,
            "json": body_json,
            "token": token or query.get("access_token") or form.get("access_token", ""),
        }

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if "json" in self.headers.get("Content-Type", ""):
            try:
                return {}, json.loads(raw or b"null")
            except ValueError:
                return {}, None
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)), None

    def _write(self, status, payload, headers):
        try:
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(payload))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a read timeout in a test): nothing to answer

    def log_message(self, *args):
        pass  # tests read sandbox.requests instead


def main():
    parser = argparse.ArgumentParser(description="A fake Graph API for OSS Inbox on loopback.")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--page-id", default=DEFAULT_PAGE["page_id"])
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args()
    sandbox = GraphApiSandbox(port=args.port, token=args.token, page_id=args.page_id)
    print(f"Graph API sandbox on {sandbox.start()} (Page {sandbox.page_id}, token {sandbox.token!r})")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sandbox.stop()


if __name__ == "__main__":
    main()
