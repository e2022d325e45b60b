"""The sandbox pushes what its customers write to the app's webhook URLs, signed as the platforms sign.

For every simulated X mention and DM, Facebook comment, visitor post and Messenger message (and any
kind another module registers with `body_for`), the simulator calls `WebhookSender.written(kind,
id)`; the sender builds the platform's documented body and POSTs it from its own thread, so a slow
or absent app never holds up a customer:

- Meta (`/webhooks/meta/`): a Page webhook, `{"object": "page", "entry": [{"id": page, "time",
  "changes": [{"field": "feed", "value": {...}}]}]}` for comments and visitor posts, `"messaging":
  [...]` for Messenger, signed `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body with the
  app secret>`.
- X (`/webhooks/x/`): one X Activity API event a delivery, `{"data": {"event_type":
  "post.mention.create" | "dm.received", "filter": {"user_id"}, "payload", ...}}`, signed
  `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256 of the body with the consumer secret>`.

`drop` (0 to 1) loses that share of the deliveries at random (seeded, so a run can be repeated):
what polling then has to find. Each POST has a timeout; a delivery the app does not take (refused,
an error, no answer) is counted and not retried, like a drop.
"""

import base64
import hashlib
import hmac
import json
import logging
import queue
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, deque
from datetime import datetime

from .graph_state import public

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5
KEEP_DROPPED = 1000  # the ids of the last deliveries dropped, for a bench to follow them up
PATHS = {"meta": "/webhooks/meta/", "x": "/webhooks/x/"}
BODIES = {}  # kind -> (platform, build(servers, external id) -> body)


def body_for(kind, platform):
    """Register how a kind of simulated message is pushed: `build(servers, external_id)` returns the
    body; `servers` has the sandbox's API servers as attributes (x, graph, ...)."""

    def register(build):
        BODIES[kind] = (platform, build)
        return build

    return register


class WebhookSender:
    def __init__(self, app_url, *, secrets, servers, drop=0.0, seed=None, timeout=TIMEOUT_SECONDS):
        """`app_url`: where the app runs (http://127.0.0.1:8000); `secrets`: {"meta": app secret,
        "x": consumer secret}; `servers`: an object with the sandbox's API servers (x, graph, ...)."""
        self.app_url = app_url.rstrip("/")
        self.secrets, self.servers, self.timeout = secrets, servers, timeout
        self.drop = drop
        self._rng = random.Random(seed)
        self._queue = queue.Queue()
        self._lock = threading.Lock()
        self.counts = Counter()  # written, dropped, delivered, refused, failed
        self.dropped_ids = deque(maxlen=KEEP_DROPPED)
        self.last_problem = ""
        self._thread = None

    @property
    def drop(self):
        return self._drop

    @drop.setter
    def drop(self, share):
        share = float(share)
        if not 0 <= share <= 1:
            raise ValueError("the share of webhooks to drop is between 0 and 1")
        self._drop = share

    def start(self):
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=self.timeout + 1)

    def written(self, kind, external_id):
        """A customer wrote `kind` with this id: push it, unless it is dropped. False if dropped or
        the kind has no webhook (email)."""
        if kind not in BODIES:
            return False
        platform, build = BODIES[kind]
        body = json.dumps(build(self.servers, external_id), separators=(",", ":")).encode()
        with self._lock:
            self.counts["written"] += 1
            if self._rng.random() < self._drop:
                self.counts["dropped"] += 1
                self.dropped_ids.append(external_id)
                return False
        self._queue.put((platform, body, time.monotonic()))
        return True

    def stats(self):
        with self._lock:
            return {
                "url": self.app_url,
                "drop": self._drop,
                **{
                    name: self.counts[name]
                    for name in ("written", "dropped", "delivered", "refused", "failed")
                },
                "waiting": self._queue.qsize(),
                "last_problem": self.last_problem,
                "dropped_ids": list(self.dropped_ids),
            }

    def idle(self):
        return self._queue.unfinished_tasks == 0

    def _run(self):
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                self._deliver(*job)
            finally:
                self._queue.task_done()

    def _deliver(self, platform, body, queued_at):
        request = urllib.request.Request(
            self.app_url + PATHS[platform], data=body, method="POST", headers=self._headers(platform, body)
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                answer.read()
            outcome, problem = "delivered", ""
        except urllib.error.HTTPError as error:
            outcome, problem = "refused", f"{PATHS[platform]} answered {error.code}"
        except (OSError, urllib.error.URLError) as error:
            outcome, problem = "failed", f"{PATHS[platform]}: {getattr(error, 'reason', error)}"
        with self._lock:
            self.counts[outcome] += 1
            if problem:
                self.last_problem = problem
        if problem:
            log.warning("A webhook was not taken: %s", problem)

    def _headers(self, platform, body):
        headers = {"Content-Type": "application/json", "User-Agent": "OSS-Inbox-sandbox-webhooks"}
        if platform == "meta":
            headers["X-Hub-Signature-256"] = meta_signs(body, self.secrets["meta"])
        else:
            headers["x-twitter-webhooks-signature"] = x_signs(body, self.secrets["x"])
        return headers


# The platforms' side of the signature, written from their documentation rather than taken from the
# app's receiver: a test that the receiver accepts these checks the two against each other.


def meta_signs(body, app_secret):
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def x_signs(body, consumer_secret):
    digest = hmac.new(consumer_secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


# ---- X: X Activity API events -----------------------------------------------------------------


@body_for("mention", "x")
def x_mention(servers, tweet_id):
    state = servers.x.state
    with state.lock:
        tweet = dict(state.tweets[tweet_id])
        author = dict(state.users[tweet["author_id"]])
        me = state.me["id"]
    return _x_event("post.mention.create", me, tweet, includes={"users": [author]})


@body_for("dm", "x")
def x_dm(servers, event_id):
    state = servers.x.state
    with state.lock:
        event = next(event for event in state.dm_events if event["id"] == event_id)
        sender = dict(state.users[event["sender_id"]])
        me = state.me["id"]
    dm = {
        "type": "message_create",
        "id": event["id"],
        "created_timestamp": str(_ms(datetime.fromisoformat(event["created_at"]))),
        "message_create": {
            "target": {"recipient_id": me},
            "sender_id": event["sender_id"],
            "message_data": {
                "text": event["text"],
                "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
            },
        },
    }
    users = {
        sender["id"]: {
            "id": sender["id"],
            "name": sender["name"],
            "screen_name": sender["username"],
            "profile_image_url_https": sender["profile_image_url"],
        }
    }
    return _x_event("dm.received", me, {"direct_message_events": [dm], "users": users})


def _x_event(event_type, user_id, payload, includes=None):
    event = {
        "event_uuid": str(uuid.uuid4()),
        "event_type": event_type,
        "filter": {"user_id": user_id},
        "tag": "oss-inbox",
        "payload": payload,
    }
    if includes:
        event["includes"] = includes
    return {"data": event}


# ---- Meta: Page webhooks ----------------------------------------------------------------------


@body_for("comment", "meta")
def meta_comment(servers, comment_id):
    state = servers.graph.state
    with state.lock:
        comment = state.comments[comment_id]
        post = state.posts[comment["_post"]]
        value = {
            "from": dict(comment["from"]),
            "post": {
                "id": post["id"],
                "permalink_url": post["permalink_url"],
                "status_type": "mobile_status_update",
            },
            "message": comment["message"],
            "post_id": post["id"],
            "comment_id": comment["id"],
            "created_time": int(comment["_at"].timestamp()),
            "item": "comment",
            "parent_id": comment.get("parent", {}).get("id") or post["id"],
            "verb": "add",
        }
        page_id = state.page["id"]
    return _page_change(page_id, value)


@body_for("post", "meta")
def meta_visitor_post(servers, post_id):
    state = servers.graph.state
    with state.lock:
        post = public(state.posts[post_id])
        value = {
            "from": dict(post["from"]),
            "message": post["message"],
            "post_id": post["id"],
            "created_time": int(state.posts[post_id]["_at"].timestamp()),
            "item": "status",
            "published": 1,
            "verb": "add",
        }
        page_id = state.page["id"]
    return _page_change(page_id, value)


@body_for("messenger", "meta")
def meta_messenger(servers, message_id):
    state = servers.graph.state
    with state.lock:
        message = state.messages[message_id]
        sent = _ms(message["_at"])
        event = {
            "sender": {"id": message["from"]["id"]},
            "recipient": {"id": state.page["id"]},
            "timestamp": sent,
            "message": {"mid": message["id"], "text": message["message"]},
        }
        page_id = state.page["id"]
    return {"object": "page", "entry": [{"id": page_id, "time": sent, "messaging": [event]}]}


def _page_change(page_id, value):
    return {
        "object": "page",
        "entry": [{"id": page_id, "time": int(time.time()), "changes": [{"field": "feed", "value": value}]}],
    }


def _ms(moment):
    return int(moment.timestamp() * 1000)
