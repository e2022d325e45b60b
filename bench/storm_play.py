"""bench/storm.py's playback: the scenario's items handed to ingest as each channel delivers them.

Each StormItem becomes the payload its platform sends (an X API v2 mentions or DM events response,
a Graph comment or Messenger message, an Instagram comment or DM, an email's bytes), read by that
channel's own parse.py into an Inbound, and stored by tickets.services.ingest, as a poll or a
webhook's task does. One thread per message kind; each sleeps until its items are due (the
scenario's seconds divided by the speed-up), then ingests every item due by then in one batch.
An item's post -> queue time is from the moment it was due to the commit of its batch: from then
on it is in the queue. `QueueWatch` opens the queue page over HTTP every second meanwhile.
"""

import hashlib
import http.client
import os
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

X_USER_BASE = 3_000_000_000
TWEET_BASE = 1_990_000_000_000_000_000
STORM_POST = "700000000000001"  # the Page's storm post, where Facebook comments land
STORM_MEDIA = "18000000000000001"  # the Instagram post its comments land on


def external_id(kind, index):
    """The channel's id of the scenario's item `index` (as its parse.py stores it)."""
    return {
        "mention": str(TWEET_BASE + index),
        "dm": str(TWEET_BASE + 500_000 + index),
        "comment": f"{STORM_POST}_{9_000_000 + index}",
        "messenger": f"m_storm{index}",
        "ig_comment": str(17_900_000_000_000_000 + index),
        "ig_dm": f"aWdfc3Rvcm0{index}",
        "email": f"storm-{index}@customers.example",
    }[kind]


def numeric_id(author):
    """A stable numeric user id for an author's handle (X and Graph ids are numbers)."""
    return str(X_USER_BASE + int(hashlib.sha1(author.encode()).hexdigest()[:10], 16))


def inbound(item, index, sent_at, accounts):
    """The Inbound the item's channel parser makes of its payload; an answer (`reply_to`) is written in
    its report's conversation: a reply to the tweet, the comment or the email (DMs are one already)."""
    from channels.facebook import parse as facebook
    from channels.instagram import parse as instagram
    from channels.twitter import parse as twitter
    from channels.twitter.webhook import one_to_one

    user_id, x_time = numeric_id(item.author), sent_at.isoformat().replace("+00:00", "Z")
    graph_time = sent_at.strftime("%Y-%m-%dT%H:%M:%S+0000")
    user = {"id": user_id, "username": item.author, "name": item.name}
    if item.location:  # an X profile's location, as user.fields=location gives it
        user["location"] = item.location
    item_id = external_id(item.kind, index)
    if item.kind == "mention":
        tweet = {"id": item_id, "text": item.text, "author_id": user_id, "conversation_id": item_id,
                 "created_at": x_time, "edit_history_tweet_ids": [item_id]}  # fmt: skip
        if item.reply_to is not None:
            report_id = external_id(item.kind, item.reply_to)
            replied = [{"type": "replied_to", "id": report_id}]
            tweet.update(conversation_id=report_id, referenced_tweets=replied)
        return twitter.parse_mentions({"data": [tweet], "includes": {"users": [user]}})[0]
    if item.kind == "dm":
        conversation = one_to_one(user_id, accounts["twitter"].self_external_id)
        event = {"id": item_id, "event_type": "MessageCreate", "text": item.text, "sender_id": user_id,
                 "dm_conversation_id": conversation, "created_at": x_time}  # fmt: skip
        return twitter.parse_dm_events({"data": [event], "includes": {"users": [user]}})[0]
    if item.kind == "comment":
        comment = {"id": item_id, "message": item.text, "created_time": graph_time,
                   "from": {"id": user_id, "name": item.name}}  # fmt: skip
        if item.reply_to is not None:
            comment["parent"] = {"id": external_id(item.kind, item.reply_to)}
        page = accounts["facebook"].self_external_id
        post = {"id": f"{page}_{STORM_POST}", "message": "Storm update: crews are out across the territory."}
        return facebook.parse_comment(comment, post=post, page_id=page)
    if item.kind == "messenger":
        message = {"id": item_id, "message": item.text, "created_time": graph_time,
                   "from": {"id": user_id, "name": item.name}}  # fmt: skip
        return facebook.parse_message(message, conversation_id=f"t_{user_id}")
    if item.kind == "ig_comment":
        comment = {"id": item_id, "text": item.text, "timestamp": graph_time, "username": item.author,
                   "from": {"id": user_id, "username": item.author}}  # fmt: skip
        if item.reply_to is not None:
            comment["parent_id"] = external_id(item.kind, item.reply_to)
        return instagram.parse_comment(comment, media={"id": STORM_MEDIA, "caption": "Storm update"})
    if item.kind == "ig_dm":
        ig_id = accounts["instagram"].self_external_id
        message = {"id": item_id, "message": item.text, "created_time": graph_time,
                   "from": {"id": user_id, "username": item.author},
                   "to": {"data": [{"id": ig_id}]}}  # fmt: skip
        return instagram.parse_message(message, ig_id=ig_id)
    replying_to = external_id(item.kind, item.reply_to) if item.reply_to is not None else None
    return _email(item, item_id, sent_at, accounts["email"], replying_to)


def _email(item, item_id, sent_at, account, replying_to=None):
    from channels.email.parse import parse_email

    mail = EmailMessage()
    mail["From"] = f"{item.name} <{item.author}>"
    mail["To"] = account.self_external_id
    mail["Subject"] = item.subject or "(no subject)"
    mail["Date"] = format_datetime(sent_at)
    mail["Message-ID"] = f"<{item_id}>"
    if replying_to:
        mail["In-Reply-To"] = mail["References"] = f"<{replying_to}>"
    mail.set_content(item.text)
    return parse_email(mail.as_bytes(), mailbox_address=account.self_external_id)


ACCOUNT_OF = {"mention": "twitter", "dm": "twitter", "comment": "facebook", "messenger": "facebook",
              "ig_comment": "instagram", "ig_dm": "instagram", "email": "email"}  # fmt: skip


class Playback:
    """Plays the scenario: `run()` returns when every item is stored; `latency[index]` is its post ->
    queue seconds, `errors` what ingest refused."""

    def __init__(self, items, *, speedup, accounts):
        self.items, self.speedup, self.accounts = items, speedup, accounts
        self.latency, self.errors, self.batches = {}, [], 0
        self.lock = threading.Lock()
        # Simulated time: the scenario's last minute ends now, so no post is dated in the future.
        self.sim_start = datetime.now(UTC) - timedelta(seconds=max(item.at for item in items))

    def run(self):
        by_kind = defaultdict(list)
        for index, item in enumerate(self.items):
            by_kind[item.kind].append(index)
        self.started = time.monotonic()
        threads = [
            threading.Thread(target=self._play, args=(indexes,), daemon=True) for indexes in by_kind.values()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def due(self, index):
        return self.started + self.items[index].at / self.speedup

    def _play(self, indexes):
        from django.db import connection

        from oss_inbox.tickets.services import ingest

        account = self.accounts[ACCOUNT_OF[self.items[indexes[0]].kind]]
        position = 0
        try:
            while position < len(indexes):
                time.sleep(max(0.0, self.due(indexes[position]) - time.monotonic()))
                now = time.monotonic()
                batch = []
                while position < len(indexes) and self.due(indexes[position]) <= now:
                    batch.append(indexes[position])
                    position += 1
                parsed = [self._inbound(index) for index in batch]
                result = ingest(account, parsed)
                committed = time.monotonic()
                with self.lock:
                    self.batches += 1
                    self.errors += list(result.errors)
                    for index in batch:
                        self.latency[index] = committed - self.due(index)
        finally:
            connection.close()

    def _inbound(self, index):
        item = self.items[index]
        return inbound(item, index, self.sim_start + timedelta(seconds=item.at), self.accounts)


WARM_UP = 30  # pages: gunicorn's five workers each load the page's templates on their first request


class QueueWatch:
    """An agent's queue page over HTTP every `every` seconds until stopped: the milliseconds of each,
    the load average at each, and the server's CPU per page (load-independent: what the page costs)."""

    def __init__(self, port, cookie, server_pid, every=1.0):
        self.port, self.cookie, self.server_pid, self.every = port, cookie, server_pid, every
        self.timings, self.failures, self.loads = [], [], []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def start(self):
        self.measure(WARM_UP)  # every worker has loaded its templates before the first timed page
        self.cpu_started = group_cpu(self.server_pid)
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.thread.join()
        pages = len(self.timings) + len(self.failures)
        self.cpu_ms = (group_cpu(self.server_pid) - self.cpu_started) * 1000 / max(1, pages)

    def _watch(self):
        while not self.stopping.is_set():
            self.loads.append(os.getloadavg()[0])
            began = time.perf_counter()
            try:
                status = self._get("/")
            except OSError as error:
                self.failures.append(f"{type(error).__name__}: {error}")
            else:
                took = (time.perf_counter() - began) * 1000
                if status == 200:
                    self.timings.append(took)
                else:
                    self.failures.append(f"HTTP {status}")
            self.stopping.wait(max(0.0, self.every - (time.perf_counter() - began)))

    def measure(self, count):
        """`count` pages one after another (nothing else asked of the server meanwhile): the
        milliseconds of each, and the server's CPU ms per page."""
        timings, cpu_started = [], group_cpu(self.server_pid)
        for _ in range(count):
            began = time.perf_counter()
            if self._get("/") == 200:
                timings.append((time.perf_counter() - began) * 1000)
        return timings, (group_cpu(self.server_pid) - cpu_started) * 1000 / count

    def _get(self, path):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request("GET", path, headers={"Cookie": self.cookie})
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()


TICKS = os.sysconf("SC_CLK_TCK")


def group_cpu(leader):
    """CPU seconds of the processes of `leader`'s group (gunicorn's master and its workers)."""
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == leader:  # the process group
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total
