"""A storm night played through the running sandbox: `python -m channels.sandbox --storm`, or the
control page's "Start the storm scenario".

The scenario (storm.py) says who writes what, when and on which channel; the player writes each
item at its time through the fake X, Graph and Instagram servers and into the mailbox, exactly as a
simulated customer writes (and pushes its webhook), so `make run`'s pollers and webhooks ingest it.
`rate` is the storm's pace against the simulated customers' everyday one (50: fifty times as many
messages a minute). While it plays:
- its ground truth (every item, its area or none, and the channel's id for it once written) is kept
  in a JSON file under the var dir (`truth_path`) and served by the control server (GET /storm/truth);
- the control server's outage map (/outages.json, /outages.csv) lists the scenario's areas
  (storm_feed.py);
- the everyday simulated customers rest, and write again once it is over.
"""

import hashlib
import json
import logging
import os
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from .storm import storm_scenario
from .storm_feed import area_outages, feed_rows

log = logging.getLogger(__name__)

NOISE_SHARE = 0.2
SAVE_EVERY = 2.0  # seconds between two writes of the truth file while playing
# Instagram's kinds when the sandbox runs without its Instagram server: the Facebook ones.
WITHOUT_INSTAGRAM = {"ig_comment": "comment", "ig_dm": "messenger"}


def default_truth_path():
    var = os.environ.get("OSS_VAR_DIR") or Path(__file__).resolve().parents[2] / "var"
    return Path(var) / "sandbox" / "storm-truth.json"


class StormScenarioRunning(Exception):
    """One storm scenario at a time."""


class StormPlayer:
    def __init__(self, simulator, *, truth_path=None):
        self.simulator = simulator
        self.truth_path = Path(truth_path) if truth_path else default_truth_path()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self._plan = None  # the last scenario: its settings, items and what became of each
        self._last_email = {}  # author -> (Message-ID, subject): a second email answers the first
        self._resume_after = False  # the everyday customers were writing when the storm began

    # ---- starting and watching ---------------------------------------------------------------

    def reports_for(self, minutes, rate):
        """Outage reports in `minutes` at `rate` times the simulated customers' everyday pace."""
        low, high = self.simulator.interval
        everyday_per_minute = 60 / max((low + high) / 2, 0.1)
        return max(1, round(everyday_per_minute * rate * minutes * (1 - NOISE_SHARE)))

    def start(self, *, seed=1, minutes=30, rate=50, areas=None, speed=1.0, reports=None):
        """Plan the scenario and play it in the background; what `state()` says."""
        reports = reports or self.reports_for(minutes, rate)
        items = storm_scenario(
            seed=seed, reports=reports, minutes=minutes, areas=areas, noise_share=NOISE_SHARE
        )
        with self._lock:
            if self.running:
                raise StormScenarioRunning
            self._stop.clear()
            self._plan = {
                "seed": seed,
                "minutes": minutes,
                "rate": rate,
                "speed": speed,
                "started_at": datetime.now(UTC),
                "items": items,
                "done": [None] * len(items),  # (the channel's id, when written) or {"error": ...}
                "written": 0,
                "failed": 0,
                "outages": area_outages(items, seed=seed),
            }
            # The everyday customers rest meanwhile: the scenario has its own ordinary messages, and its
            # ground truth then covers every message the sandbox writes.
            self._resume_after = self.simulator.writing
            self.simulator.stop()
            self._thread = threading.Thread(target=self._play, name="storm-scenario", daemon=True)
            self._thread.start()
        self._save()
        return self.state()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def state(self):
        plan = self._plan
        if plan is None:
            return {"running": False}
        areas = sorted({item.area for item in plan["items"] if item.area})
        return {
            "running": self.running,
            "seed": plan["seed"],
            "minutes": plan["minutes"],
            "rate": plan["rate"],
            "speed": plan["speed"],
            "started_at": plan["started_at"].isoformat(),
            "planned": len(plan["items"]),
            "reports": sum(item.outage for item in plan["items"]),
            "written": plan["written"],
            "failed": plan["failed"],
            "areas": areas,
            "truth_file": str(self.truth_path),
        }

    def truth(self):
        """The ground truth: every item, its area (None: not an outage report) and its channel id."""
        plan = self._plan
        if plan is None:
            return {"running": False, "items": []}
        with self._lock:
            done = list(plan["done"])
        items = [
            _truth_item(number, item, result)
            for number, (item, result) in enumerate(zip(plan["items"], done, strict=True))
        ]
        return {**self.state(), "items": items}

    def outages(self, now=None):
        """What the sandbox's outage map lists now (none before a scenario)."""
        plan = self._plan
        if plan is None:
            return []
        now = now or datetime.now(UTC)
        elapsed = (now - plan["started_at"]).total_seconds() * plan["speed"]
        return feed_rows(
            plan["outages"],
            span=plan["minutes"] * 60,
            elapsed=elapsed,
            started_at=plan["started_at"],
            speed=plan["speed"],
        )

    # ---- playing -----------------------------------------------------------------------------

    def _play(self):
        plan = self._plan
        started = time.monotonic()
        saved = started
        for number, item in enumerate(plan["items"]):
            wait = item.at / plan["speed"] - (time.monotonic() - started)
            if wait > 0 and self._stop.wait(wait):
                break
            answering = None
            if item.reply_to is not None:  # "where are you?" answered in the report's conversation
                answering = (plan["done"][item.reply_to] or {}).get("id")
            try:
                kind, external_id = self._write(item, answering)
                result = {"kind": kind, "id": external_id, "written_at": datetime.now(UTC).isoformat()}
            except Exception as error:  # one failed write must not end the storm
                log.exception("A customer in the storm scenario could not write")
                result = {"error": f"{error.__class__.__name__}: {error}"}
            with self._lock:
                plan["done"][number] = result
                plan["written" if "id" in result else "failed"] += 1
            if time.monotonic() - saved > SAVE_EVERY:
                self._save()
                saved = time.monotonic()
        self._save()
        if self._resume_after and not self._stop.is_set():
            self.simulator.resume()

    def _write(self, item, answering=None):
        """Write the item on its platform; `answering`: the channel's id of the report it answers."""
        simulator = self.simulator
        kind = item.kind if simulator.instagram else WITHOUT_INSTAGRAM.get(item.kind, item.kind)
        external_id = getattr(self, f"_write_{kind}")(item, answering)
        if simulator.webhooks is not None:
            simulator.webhooks.written(kind, external_id)
        simulator.record_written(kind, item.name, item.text, external_id)
        return kind, external_id

    def _write_mention(self, item, answering):
        x_id = _number(item.author, "x")
        return self.simulator.x.add_mention(x_id, item.author, item.name, item.text, in_reply_to=answering)

    def _write_dm(self, item, answering):  # one conversation per customer: an answer joins it
        return self.simulator.x.add_dm(_number(item.author, "x"), item.author, item.name, item.text)

    def _write_comment(self, item, answering):
        graph, posts = self.simulator.graph, self.simulator.posts
        if answering:  # a reply in the thread of the report
            post = graph.state.comments[answering]["_post"]
        else:  # outage reports under the outage update or the storm warning; the rest under any post
            choices = [posts[0], posts[-1]] if item.outage else posts
            post = choices[int(_number(item.author, "post")) % len(choices)]
        return graph.add_comment(
            post, _number(item.author, "facebook"), item.name, item.text, parent_id=answering
        )

    def _write_messenger(self, item, answering):
        return self.simulator.graph.add_messenger_message(
            _number(item.author, "facebook"), item.name, item.text
        )

    def _write_ig_comment(self, item, answering):
        instagram, media = self.simulator.instagram, self.simulator.media
        if answering:
            chosen = instagram.state.comments[answering]["_media"]
        else:
            chosen = media[int(_number(item.author, "media")) % len(media)]
        igsid = _number(item.author, "instagram")
        return instagram.add_comment(chosen, igsid, item.author, item.text, parent_id=answering)

    def _write_ig_dm(self, item, answering):
        return self.simulator.instagram.add_message(_number(item.author, "instagram"), item.author, item.text)

    def _write_email(self, item, answering):
        mail = EmailMessage()
        mail["From"] = f"{item.name} <{item.author}>"
        mail["To"] = self.simulator.mailbox
        subject = item.subject
        earlier = (answering, item.subject) if answering else self._last_email.get(item.author)
        if earlier:  # an answer, or their second email: in the thread of the first, as a mail client's Re:
            mail["In-Reply-To"] = mail["References"] = earlier[0]
            subject = subject if subject.lower().startswith("re:") else f"Re: {earlier[1]}"
        mail["Subject"] = subject
        mail["Date"] = format_datetime(datetime.now(UTC))
        mail["Message-ID"] = make_msgid(domain=item.author.rsplit("@", 1)[1])
        mail.set_content(item.text)
        self.simulator.imap.deliver(bytes(mail))
        self._last_email[item.author] = (mail["Message-ID"], subject)
        return mail["Message-ID"]

    def _save(self):
        """The truth file, whole each time (a reader never finds half of one)."""
        truth = self.truth()
        self.truth_path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.truth_path.with_suffix(".json.partial")
        partial.write_text(json.dumps(truth, indent=None), encoding="utf-8")
        partial.replace(self.truth_path)


def _truth_item(number, item, result):
    truth = {
        "n": number,
        "at": round(item.at, 3),
        "kind": item.kind,
        "author": item.author,
        "name": item.name,
        "area": item.area,
        "outage": item.outage,
        "reply_to": item.reply_to,  # an answer to "where are you?": the number of the report it answers
        "text": item.text,
        "id": None,
        "written_at": None,
    }
    if result:
        truth.update({key: result[key] for key in ("kind", "id", "written_at") if key in result})
        if "error" in result:
            truth["error"] = result["error"]
    return truth


def _number(author, platform):
    """A stable numeric id for a scenario customer on a platform (X user ids, page-scoped ids...)."""
    digest = hashlib.sha256(f"{platform}:{author}".encode()).hexdigest()
    return str(10**15 + int(digest[:13], 16) % (9 * 10**15))
