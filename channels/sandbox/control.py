"""The sandbox's control address: a page with buttons for people, a JSON API for scripts and tests.

A browser (GET / asking for text/html) gets a page (channels/sandbox/page.py): make a customer write
now on any channel, start a storm of outage reports, switch faults on and off, see what the app
sent. Its forms POST (form-encoded) to the addresses below and are sent back to the page with a
line saying what happened. Anything else speaks JSON:

    POST /write/<kind>   kind: mention, dm, comment, post (a visitor post on the Page), messenger,
                         email, or with make run's Instagram sandbox ig_comment or ig_dm; optional
                         JSON body {"text": "...", "customer": "new" | <index>}.
                         Answers what was written: {"kind", "customer", "text", "id"}.
    GET  /sent           What the app sent into the sandbox, as JSON: {"tweets", "dms", "facebook", "mail"}
                         (and "instagram" when make run has its Instagram sandbox).
    GET  /written        Every message the customers wrote so far: [{"kind", "customer", "text", "id"}].
    POST /pause          The simulated customers stop writing (the soak test's last minute of catching up).
    POST /resume         They write again.
    POST /storm          {"count": 50, "seconds": 60}: that many customers report an outage within
                         that time, across the channels. GET /storm says how far the last one got.
    POST /storm/scenario {"seed": 1, "minutes": 30, "rate": 50, "areas": [...], "speed": 1}: a storm night
                         (storm.py): customers of six areas report outages at `rate` times the everyday
                         pace, on every channel, with ordinary messages mixed in. GET /storm/scenario says
                         how far it got; GET /storm/truth is its ground truth (each item's area or none,
                         and the channel's id for it), also kept in var/sandbox/storm-truth.json.
    GET  /outages.json   The outage map's current outages (the storm scenario's areas, their customers
    GET  /outages.csv    out, ETRs that move, statuses), as a vendor's feed publishes them.
    GET  /faults         What is wrong now: {"x", "graph", "smtp"}.
    GET  /webhooks       What the sandbox pushed to the app's webhook URLs: {"url", "drop", "written",
                         "dropped", "delivered", "refused", "failed", "waiting", "dropped_ids"}.
    POST /webhooks       {"drop": 0.3}: lose that share of the webhooks from now on (0 to 1).
    POST /fault/<name>   Switch a fault on or off (FAULTS below); answers GET /faults.

`make run`'s sandbox serves it on 127.0.0.1:SANDBOX_CONTROL_PORT (8103).
"""

import itertools
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from channels.twitter.parse import TWITTER_EPOCH_MS

from . import page
from .faults import FAULTS
from .simulator import NEW, StormRunning
from .storm import gazetteer_areas
from .storm_feed import as_csv, as_json
from .storm_play import StormPlayer, StormScenarioRunning

STYLESHEET = Path(__file__).with_name("static") / "sandbox.css"
HELP = (
    "Open / in a browser for the page. Scripts: GET /sent, /written, /faults or /storm; "
    "POST /write/<kind>, /pause, /resume, /storm or /fault/<name>"
)
MAX_TEXT = 5000
MAX_STORM = 500
MAX_STORM_SECONDS = 600
MAX_SCENARIO_MINUTES = 180
MAX_SCENARIO_RATE = 200
MAX_SCENARIO_SPEED = 1000


class UnknownKind(Exception):
    pass


class Refused(Exception):
    """A request the sandbox cannot do, in words for the page's flash line or the JSON error."""


class ControlServer:
    def __init__(
        self, *, simulator, x, graph, smtp, host="127.0.0.1", port=0, app_url="", interval=None, player=None
    ):
        self.simulator, self.x, self.graph, self.smtp = simulator, x, graph, smtp
        self.player = player or StormPlayer(simulator)  # the storm scenario, and the outage map it drives
        self.host, self.port = host, port
        self.app_url = app_url  # where OSS Inbox runs, for the page's link
        self.interval = interval or simulator.interval
        self.servers = {}  # name -> address, for the page: "X API": "http://127.0.0.1:8101/"
        self.webhooks = None  # the simulator's webhooks.WebhookSender, when webhooks are on
        self._server = None
        self._flash_lock = threading.Lock()
        self._flashes = {}
        self._flash_ids = itertools.count(1)

    def start(self):
        self._server = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._server.daemon_threads = True
        self._server.control = self
        self.port = self._server.server_address[1]
        serve = {
            "target": self._server.serve_forever,
            "kwargs": {"poll_interval": 0.2},
            "name": "sandbox-control",
        }
        threading.Thread(**serve, daemon=True).start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # ---- what the buttons and the JSON API do ------------------------------------------------------

    def write(self, kind, text=None, customer=None):
        if kind not in self.simulator.kinds:
            raise UnknownKind(kind)
        if text is not None and not isinstance(text, str):
            raise ValueError("text")
        text = (text or "").strip()[:MAX_TEXT] or None
        if customer == "":
            customer = None
        if customer not in (None, NEW):
            try:
                customer = int(customer)
            except (TypeError, ValueError):
                raise Refused(f"There is no simulated customer {customer!r}.") from None
            if not 0 <= customer < len(self.simulator.customers):
                raise Refused(f"There is no simulated customer {customer}.")
        try:
            return self.simulator.write(kind, text=text, customer=customer)
        except OSError as error:  # the IMAP server, for an email
            raise Refused(f"The {page.KIND_LABELS[kind]} could not be written: {error}") from error

    def written(self):
        return self.simulator.written()

    def sent(self):
        sent = {
            "tweets": self.x.posted_tweets,
            "dms": self.x.sent_dms,
            "facebook": self.graph.replies,  # comment replies, Messenger messages, private replies
            "mail": [_mail(received) for received in self.smtp.received],
        }
        if self.simulator.instagram:  # comment replies, direct messages, private replies
            sent["instagram"] = self.simulator.instagram.replies
        return sent

    def storm(self, count=50, seconds=60):
        try:
            count, seconds = int(count), float(seconds)
        except (TypeError, ValueError):
            raise Refused("A storm needs a number of customers and a number of seconds.") from None
        if not 1 <= count <= MAX_STORM or not 0 <= seconds <= MAX_STORM_SECONDS:
            raise Refused(f"A storm is 1 to {MAX_STORM} customers within 0 to {MAX_STORM_SECONDS} seconds.")
        try:
            return _storm_json(self.simulator.storm(count, seconds))
        except StormRunning:
            raise Refused("A storm is still going: wait for it to end.") from None

    def storm_state(self):
        state = self.simulator.storm_state
        return _storm_json(state) if state else {"running": False}

    def storm_scenario(self, seed=1, minutes=30, rate=50, areas=None, speed=1):
        try:
            seed, minutes, rate, speed = int(seed), float(minutes), float(rate), float(speed)
        except (TypeError, ValueError):
            raise Refused("A storm scenario needs numbers: a seed, minutes and a rate.") from None
        if not 1 <= minutes <= MAX_SCENARIO_MINUTES:
            raise Refused(f"A storm scenario lasts 1 to {MAX_SCENARIO_MINUTES} minutes.")
        if not 1 <= rate <= MAX_SCENARIO_RATE:
            raise Refused(f"A storm is 1 to {MAX_SCENARIO_RATE} times the everyday pace of messages.")
        if not 0 < speed <= MAX_SCENARIO_SPEED:
            raise Refused(
                f"The speed is more than 0 and at most {MAX_SCENARIO_SPEED} (1: as the clock goes)."
            )
        if areas is not None and (not isinstance(areas, list) or not all(isinstance(a, str) for a in areas)):
            raise Refused('"areas" is a list of the sample gazetteer\'s area names.')
        try:
            return self.player.start(seed=seed, minutes=minutes, rate=rate, areas=areas or None, speed=speed)
        except StormScenarioRunning:
            raise Refused("A storm scenario is still going: wait for it to end.") from None
        except ValueError as error:  # an area the gazetteer does not have, said in words
            raise Refused(str(error)) from None

    def scenario_areas(self):
        return sorted(gazetteer_areas())

    def fault(self, name):
        if name not in FAULTS:
            raise Refused(f"There is no fault {name!r}; there are {', '.join(FAULTS)}.")
        x, graph, smtp = self.x, self.graph, self.smtp
        actions = {
            "x_rate_limit": lambda: x.fail_next(5, 429, reset_in=60),
            "x_error": lambda: x.fail_next(5, 503),
            "x_revoke_token": x.revoke_token,
            "x_restore_token": x.restore_token,
            "graph_rate_limit": lambda: graph.fail_next(5, code=4),
            "graph_error": lambda: graph.fail_next(5, code=2),
            "graph_expire_token": graph.expire_token,
            "graph_restore_token": graph.restore_token,
            "smtp_down": smtp.stop,
            "smtp_up": lambda: smtp.running or smtp.start(),
            "smtp_refuse": lambda: smtp.fail_next(3, 451),
            "clear": self._clear_faults,
        }
        actions[name]()
        return self.faults()

    def _clear_faults(self):
        for server in (self.x, self.graph, self.smtp):
            server.clear_faults()
        self.x.restore_token()
        self.graph.restore_token()
        if not self.smtp.running:
            self.smtp.start()

    def faults(self):
        return {"x": self.x.faults(), "graph": self.graph.faults(), "smtp": self.smtp.faults()}

    def webhooks_state(self):
        if self.webhooks is None:
            raise Refused("Webhooks are off in this sandbox (started with --no-webhooks).")
        return self.webhooks.stats()

    def webhooks_drop(self, share):
        """Lose this share (0 to 1) of the webhooks from now on."""
        state = self.webhooks_state()
        try:
            self.webhooks.drop = share
        except (TypeError, ValueError):
            raise Refused("The share of webhooks to drop is a number from 0 to 1, e.g. 0.3.") from None
        return {**state, "drop": self.webhooks.drop}

    def customers_writing(self, writing):
        (self.simulator.resume if writing else self.simulator.stop)()

    # ---- what the page shows -------------------------------------------------------------------

    def sent_items(self):
        """Every reply the app sent, newest first: [{"at", "platform", "kind", "to", "text", "subject"}]."""
        items = (
            self._sent_on_x()
            + self._sent_on_facebook()
            + self._sent_on_instagram()
            + [_mail_item(mail) for mail in self.smtp.received]
        )
        return sorted(items, key=lambda item: item["at"], reverse=True)

    def _sent_on_x(self):
        state, items = self.x.state, []
        with state.lock:
            for tweet in state.posted_tweets:
                parent = state.tweets.get(tweet["in_reply_to_tweet_id"] or "")
                items.append(
                    _item(
                        _snowflake_time(tweet["id"]),
                        "X",
                        "Reply" if parent else "Post",
                        _x_name(state, parent),
                        tweet["text"],
                    )
                )
            for dm in state.sent_dms:
                them = [user for user in dm["dm_conversation_id"].split("-") if user != state.me["id"]]
                user = state.users.get(them[0]) if them else None
                to = (
                    f"@{user['username']}"
                    if user and user["name"]
                    else (user and f"user {user['id']}") or "?"
                )
                items.append(_item(_snowflake_time(dm["id"]), "X", "DM", to, dm["text"]))
        return items

    def _sent_on_facebook(self):
        state, items = self.graph.state, []
        kinds = {"comment": "Comment reply", "messenger": "Messenger", "private reply": "Private reply"}
        with state.lock:
            for reply in state.replies:
                made = state.comments.get(reply["id"]) or state.messages.get(reply["id"]) or {}
                if reply["kind"] == "messenger":
                    conversation = state._conversation_of(reply["to"])
                    to = conversation["_name"] if conversation else reply["to"]
                else:
                    target = state.find(reply["to"]) or {}
                    to = (target.get("from") or {}).get("name") or reply["to"]
                at = made.get("_at") or datetime.now(UTC)
                items.append(
                    _item(at, "Facebook", kinds.get(reply["kind"], reply["kind"]), to, reply["text"])
                )
        return items

    def _sent_on_instagram(self):
        sandbox = self.simulator.instagram
        if sandbox is None:
            return []
        state, items = sandbox.state, []
        kinds = {"comment": "Comment reply", "dm": "Direct message", "private reply": "Private reply"}
        with state.lock:
            for reply in state.replies:
                made = state.comments.get(reply["id"]) or state.messages.get(reply["id"]) or {}
                conversation = state._conversation_of(reply["to"])
                target = state.comments.get(reply["to"]) or {}
                to = (conversation or {}).get("_username") or (target.get("from") or {}).get("username")
                at = made.get("_at") or datetime.now(UTC)
                items.append(
                    _item(
                        at,
                        "Instagram",
                        kinds.get(reply["kind"], reply["kind"]),
                        to or reply["to"],
                        reply["text"],
                    )
                )
        return items

    def written_items(self):
        """What the customers wrote, newest first: [{"at", "kind", "customer", "text"}]."""
        return [{"at": at, **written} for at, written in reversed(self.simulator.written_with_times())]

    # ---- the page's flash line -------------------------------------------------------------------

    def flash(self, level, text):
        with self._flash_lock:
            number = next(self._flash_ids)
            self._flashes[number] = (level, text)
            for old in [key for key in self._flashes if key <= number - 50]:
                del self._flashes[old]
            return number

    def flash_of(self, number):
        with self._flash_lock:
            return self._flashes.get(number)


def _item(at, platform, kind, to, text, subject=""):
    return {"at": at, "platform": platform, "kind": kind, "to": to, "text": text, "subject": subject}


def _x_name(state, tweet):
    if tweet is None:
        return "everyone (not a reply)"
    user = state.users.get(tweet["author_id"])
    return f"@{user['username']}" if user else "a tweet from before the sandbox"


def _snowflake_time(tweet_id):
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


def _storm_json(state):
    return {**state, "started": state["started"].isoformat()}


def _mail(received):
    message = received.message()
    body = message.get_body(preferencelist=("plain", "html"))
    return {
        "to": list(received.rcpt_tos),
        "subject": message["Subject"] or "",
        "message_id": message["Message-ID"] or "",
        "in_reply_to": message["In-Reply-To"] or "",
        "references": message["References"] or "",
        "text": body.get_content() if body is not None else "",
    }


def _mail_item(received):
    mail = _mail(received)
    kind = "Reply" if mail["in_reply_to"] else "New mail"
    return _item(received.received_at, "Email", kind, ", ".join(mail["to"]), mail["text"], mail["subject"])


class _Handler(BaseHTTPRequestHandler):
    server_version = "SandboxControl/2"

    def do_GET(self):  # noqa: N802 - the name http.server calls
        url = urlsplit(self.path)
        control = self.server.control
        if url.path == "/" and "text/html" in self.headers.get("Accept", ""):
            flash = control.flash_of(_int(dict(parse_qsl(url.query)).get("flash")))
            self._send(200, "text/html; charset=utf-8", page.render(control, flash).encode())
        elif url.path == "/sandbox.css":
            self._send(200, "text/css; charset=utf-8", STYLESHEET.read_bytes(), cache=True)
        elif url.path == "/sent":
            self._answer(200, control.sent())
        elif url.path == "/written":
            self._answer(200, control.written())
        elif url.path == "/faults":
            self._answer(200, control.faults())
        elif url.path == "/storm":
            self._answer(200, control.storm_state())
        elif url.path == "/storm/scenario":
            self._answer(200, control.player.state())
        elif url.path == "/storm/truth":
            self._answer(200, control.player.truth())
        elif url.path == "/outages.json":
            self._send(200, "application/json", as_json(control.player.outages(), now=datetime.now(UTC)))
        elif url.path == "/outages.csv":
            self._send(200, "text/csv; charset=utf-8", as_csv(control.player.outages()))
        elif url.path == "/webhooks":
            try:
                self._answer(200, control.webhooks_state())
            except Refused as refusal:
                self._answer(404, {"error": str(refusal)})
        else:
            self._answer(404, {"error": HELP})

    def do_POST(self):  # noqa: N802
        path = urlsplit(self.path).path
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            self._form(path, dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)))
            return
        control = self.server.control
        if path == "/pause":
            control.customers_writing(False)
            self._answer(200, {"paused": True})
            return
        if path == "/resume":
            control.customers_writing(True)
            self._answer(200, {"paused": False})
            return
        try:
            body = json.loads(raw) if raw else {}
            if not isinstance(body, dict):
                raise ValueError("not an object")
            if path.startswith("/write/"):
                kind = path.removeprefix("/write/")
                self._answer(200, control.write(kind, text=body.get("text"), customer=body.get("customer")))
            elif path == "/storm":
                self._answer(200, control.storm(body.get("count", 50), body.get("seconds", 60)))
            elif path == "/storm/scenario":
                fields = ("seed", "minutes", "rate", "areas", "speed")
                self._answer(200, control.storm_scenario(**{key: body[key] for key in fields if key in body}))
            elif path.startswith("/fault/"):
                self._answer(200, control.fault(path.removeprefix("/fault/")))
            elif path == "/webhooks":
                self._answer(200, control.webhooks_drop(body.get("drop", 0)))
            else:
                self._answer(404, {"error": "POST /write/<kind>, /pause, /resume, /storm or /fault/<name>"})
        except UnknownKind:
            self._answer(404, {"error": f"kind is one of {', '.join(control.simulator.kinds)}"})
        except Refused as refusal:
            self._answer(400, {"error": str(refusal)})
        except (ValueError, AttributeError):
            self._answer(400, {"error": 'the body is JSON: {"text": "..."}'})

    def _form(self, path, form):
        """A button on the page: do it, then back to the page with a line saying what happened."""
        control = self.server.control
        if not self._same_origin():
            self._answer(403, {"error": "The sandbox's buttons work from its own page only."})
            return
        try:
            level, text = "success", _do(control, path, form)
        except UnknownKind:
            level, text = "error", f"Customers write one of: {', '.join(page.KIND_LABELS.values())}."
        except Refused as refusal:
            level, text = "error", str(refusal)
        section = path.strip("/").split("/")[0]
        anchor = {"write": "#write", "storm": "#storm", "fault": "#faults", "webhooks": "#webhooks"}.get(
            section, ""
        )
        self.send_response(303)
        self.send_header("Location", f"/?flash={control.flash(level, text)}{anchor}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _same_origin(self):
        """A form from another site (a page the user happens to visit) must not press the buttons."""
        if self.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return False
        origin = self.headers.get("Origin")
        return origin in (None, "null") or urlsplit(origin).netloc == self.headers.get("Host")

    def _answer(self, status, payload):
        self._send(status, "application/json", json.dumps(payload).encode())

    def _send(self, status, content_type, content, cache=False):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        if content_type.startswith("text/html"):
            self.send_header("Cache-Control", "no-store")
            self.send_header(
                "Content-Security-Policy",
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                "frame-ancestors 'none'",
            )
        elif cache:
            self.send_header("Cache-Control", "max-age=60")
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args):
        pass


def _do(control, path, form):
    """What a form POST does; returns the flash line."""
    if path == "/write" or path.startswith("/write/"):
        kind = path.removeprefix("/write/") if path.startswith("/write/") else form.get("kind", "")
        written = control.write(kind, text=form.get("text"), customer=form.get("customer") or NEW)
        return (
            f"{written['customer']} wrote {page.a_kind(kind)}: {_quoted(written['text'])} "
            "OSS Inbox picks it up at its next poll of the channel."
        )
    if path == "/storm":
        state = control.storm(form.get("count") or 50, form.get("seconds") or 60)
        return (
            f"A storm has started: {state['count']} customers report outages within "
            f"{state['seconds']:g} seconds. Watch the queue in OSS Inbox."
        )
    if path == "/storm/scenario":
        state = control.storm_scenario(
            form.get("seed") or 1, form.get("minutes") or 30, form.get("rate") or 50
        )
        return (
            f"The storm scenario has started: {state['reports']:,} outage reports from "
            f"{len(state['areas'])} areas within {state['minutes']:g} minutes, with ordinary messages "
            f"mixed in ({state['planned']:,} in all). Its outage map is at /outages.json."
        )
    if path == "/fault" or path.startswith("/fault/"):
        name = path.removeprefix("/fault/") if path.startswith("/fault/") else form.get("fault", "")
        control.fault(name)
        return FAULTS[name].done
    if path == "/webhooks":
        drop = control.webhooks_drop((form.get("drop") or "0").replace(",", "."))["drop"]
        return f"From now on {drop:.0%} of the webhooks are dropped; polling finds those messages."
    if path == "/customers":
        writing = form.get("writing") == "on"
        control.customers_writing(writing)
        return (
            "The simulated customers write again." if writing else "The simulated customers stopped writing."
        )
    if path == "/pause":
        control.customers_writing(False)
        return "The simulated customers stopped writing."
    raise Refused("The sandbox has no such button.")


def _quoted(text):
    """The customer's words in quotes, ending the sentence: no second full stop after a quote that
    already ends with one ("…on Thursday.”", not "…on Thursday.”.")."""
    short = _short(text)
    return f"“{short}”" if short.endswith((".", "!", "?", "…")) else f"“{short}”."


def _short(text, length=120):
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
