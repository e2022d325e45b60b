"""Customers who write every few seconds, on every channel, through the sandbox servers.

What they say comes from the demo's text bank (oss_inbox.demo.content), so the queue that fills up
under `make run` reads like the utility's. Now and then a customer answers one of our replies, so
threading back onto a ticket can be watched too. `write(kind)` makes one write now (the sandbox's
control page uses it, e.g. for the test of `make run`), for a new customer or for one who wrote
before (whose message then answers our last reply to them, so it threads). `storm(count, seconds)`:
many customers report an outage within `seconds`, the test bed for storm mode.
"""

import logging
import random
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from oss_inbox.demo.content import PAGE_POSTS, TOPICS, TOPICS_BY_KEY, pick, ticket_values
from oss_inbox.demo.people import make_customers

log = logging.getLogger(__name__)

CHANNELS = (("mention", 35), ("dm", 10), ("comment", 20), ("messenger", 10), ("email", 25))
# With an Instagram sandbox (make run has one), customers also comment on its posts and write DMs.
INSTAGRAM_CHANNELS = (("ig_comment", 10), ("ig_dm", 5))
# Every kind a customer can be asked to write: the channels above, and a visitor post on the Page.
KINDS = ("mention", "dm", "comment", "post", "messenger", "email", "ig_comment", "ig_dm")
# The text bank's kind of words for each kind a customer writes.
BANK_KINDS = {"post": "comment", "ig_comment": "comment", "ig_dm": "messenger"}
STORM_CHANNELS = (*CHANNELS, ("post", 5))
FOLLOW_UP_CHANCE = 0.25
NEW = "new"  # write(customer=NEW): someone who has not written yet


class Simulator:
    def __init__(self, *, x, graph, imap, mailbox, interval=(8, 20), seed=None, instagram=None):
        self.x, self.graph, self.imap, self.mailbox = x, graph, imap, mailbox
        self.instagram = instagram
        self.interval = interval
        self.rng = random.Random(seed)
        self.customers = make_customers(self.rng, 60)
        self.posts = [graph.add_post(text) for _, text in list(PAGE_POSTS.values())[:3]]
        self.media = (
            [instagram.add_media(text) for _, text in list(PAGE_POSTS.values())[:2]] if instagram else []
        )
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._written = []  # what every customer wrote, for the soak test to find each exactly once
        self._written_at = []  # when, beside it (the control page shows it; /written keeps its shape)
        self._last_by = {}  # customer index -> when they last wrote, for the control page's choice
        self._last_email = {}  # customer index -> (Message-ID, subject) of their last email
        self._reserve = None  # more customers, made when everyone has written and a new one is asked for
        self._thread = None
        self.webhooks = None  # a webhooks.WebhookSender: each write is also pushed to the app, signed
        self.storm_state = None  # the last storm: {"count", "seconds", "written", "started", "running"}

    def start(self):
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="customer-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=5)

    @property
    def writing(self):
        """True while the customers write on their own, every `interval` seconds."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def resume(self):
        if not self.writing:
            self.stop()
            self.start()

    def _run(self):
        while not self._stop.wait(self.rng.uniform(*self.interval)):
            try:
                self.step()
            except Exception:  # a sandbox hiccup must not end the simulation
                log.exception("The simulated customer could not write")

    @property
    def kinds(self):
        """Every kind a customer can be asked to write here: Instagram's only with its sandbox."""
        return KINDS if self.instagram else tuple(kind for kind in KINDS if not kind.startswith("ig_"))

    def step(self):
        """One customer writes: a new request, or now and then an answer to one of our replies."""
        channels = CHANNELS + (INSTAGRAM_CHANNELS if self.instagram else ())
        kind = self.rng.choices([k for k, _ in channels], weights=[w for _, w in channels])[0]
        return self.write(kind)["kind"]

    def write(self, kind, text=None, customer=None, topic=None):
        """A customer writes one `kind` of message now (`text`: what they say, else from the text bank).

        `customer`: None for anyone, NEW for someone who has not written yet, or the index (in
        `customers`) of someone who has, whose message then answers our last reply to them.
        `topic`: a text-bank topic's key (e.g. "outage"). Returns what was written: kind, customer,
        text and the channel's id for it.
        """
        with self._lock:  # the simulator's thread and the control page share the random generator
            index = self._customer_index(customer)
            person = self.customers[index]
            bank_kind = BANK_KINDS.get(kind, kind)
            topic = TOPICS_BY_KEY[topic] if topic else None
            topic = topic or self.rng.choice([t for t in TOPICS if bank_kind in t.kinds] or TOPICS)
            values = ticket_values(self.rng, person, "the team")
            answering = customer not in (None, NEW)
            role = "answers" if self.rng.random() < FOLLOW_UP_CHANCE and topic.answers else "openings"
            role = "openings" if customer == NEW else role
            # Given words open a conversation of their own, unless the customer is one who wrote before;
            # the text bank's may answer one of our posts.
            follow_up = text is None
            text = text or pick(self.rng, topic, role, values)
            write = getattr(self, f"_write_{kind}")
            external_id = write(
                person, topic, text, values, follow_up=follow_up, index=index, again=answering
            )
            written = {"kind": kind, "customer": person.name, "text": text, "id": external_id}
            if self.webhooks is not None:
                self.webhooks.written(kind, external_id)  # queued: its own thread posts it
            self._written.append(written)
            self._written_at.append(datetime.now(UTC))
            self._last_by[index] = time.monotonic()
        log.info("%s wrote a %s: %s", person.name, kind, text[:60])
        return written

    def record_written(self, kind, name, text, external_id):
        """A message written by someone else in the sandbox (the storm scenario's customers), kept with
        the simulator's own for /written and the page."""
        with self._lock:
            self._written.append({"kind": kind, "customer": name, "text": text, "id": external_id})
            self._written_at.append(datetime.now(UTC))

    def written(self):
        with self._lock:
            return list(self._written)

    def written_with_times(self):
        """[(when, what was written)], oldest first."""
        with self._lock:
            return list(zip(self._written_at, self._written, strict=True))

    def customers_who_wrote(self):
        """[(index, customer)] of everyone who wrote, the latest first."""
        with self._lock:
            order = sorted(self._last_by, key=self._last_by.get, reverse=True)
            return [(index, self.customers[index]) for index in order]

    def _customer_index(self, customer):
        if customer is None:
            return self.rng.randrange(len(self.customers))
        if customer == NEW:
            fresh = [index for index in range(len(self.customers)) if index not in self._last_by]
            if not fresh:
                fresh = [self._new_customer()]
            return self.rng.choice(fresh)
        index = int(customer)
        if not 0 <= index < len(self.customers):
            raise ValueError(f"no customer {customer}")
        return index

    def _new_customer(self):
        """Someone who is not yet among `customers` (everyone there wrote already)."""
        if not self._reserve:
            known = {(person.first, person.last) for person in self.customers}
            more = make_customers(random.Random(self.rng.random()), len(self.customers) + 200)
            self._reserve = [person for person in more if (person.first, person.last) not in known]
        self.customers.append(self._reserve.pop(0))
        return len(self.customers) - 1

    def storm(self, count=50, seconds=60):
        """`count` customers (new ones while there are) report an outage, spread over `seconds`, across the
        channels. Runs in the background; `storm_state` says how far it got."""
        with self._lock:
            if self.storm_state and self.storm_state["running"]:
                raise StormRunning
            plan = sorted(self.rng.uniform(0, seconds) for _ in range(count))
            kinds = self.rng.choices([k for k, _ in STORM_CHANNELS], [w for _, w in STORM_CHANNELS], k=count)
            self.storm_state = {
                "count": count,
                "seconds": seconds,
                "written": 0,
                "started": datetime.now(UTC),
                "running": True,
            }
        threading.Thread(target=self._storm, args=(plan, kinds), name="customer-storm", daemon=True).start()
        return dict(self.storm_state)

    def _storm(self, plan, kinds):
        started = time.monotonic()
        try:
            for at, kind in zip(plan, kinds, strict=True):
                time.sleep(max(0.0, at - (time.monotonic() - started)))
                try:
                    self.write(kind, customer=NEW, topic="outage")
                except Exception:  # one failed write must not end the storm
                    log.exception("A customer in the storm could not write")
                with self._lock:
                    self.storm_state["written"] += 1
        finally:
            with self._lock:
                self.storm_state["running"] = False

    def _write_mention(self, customer, topic, text, values, follow_up, index, again):
        ours = self.x.state.posted_tweets
        if again:  # the customer answers our last reply to them, if we replied
            answering = self._our_last_tweet_to(customer)
        else:
            answering = (
                self.rng.choice(ours)["id"]
                if follow_up and ours and self.rng.random() < FOLLOW_UP_CHANCE
                else None
            )
        return self.x.add_mention(
            customer.x_user_id, customer.handle, customer.name, text, in_reply_to=answering
        )

    def _our_last_tweet_to(self, customer):
        state = self.x.state
        with state.lock:
            for posted in reversed(state.posted_tweets):
                parent = state.tweets.get(posted["in_reply_to_tweet_id"] or "")
                if parent and parent["author_id"] == customer.x_user_id:
                    return posted["id"]
            theirs = [
                tweet_id
                for tweet_id in state.mention_ids
                if state.tweets[tweet_id]["author_id"] == customer.x_user_id
            ]
            return theirs[-1] if theirs else None  # else their own last mention: a thread of theirs

    def _write_dm(self, customer, topic, text, values, follow_up, index, again):
        return self.x.add_dm(customer.x_user_id, customer.handle, customer.name, text)

    def _write_comment(self, customer, topic, text, values, follow_up, index, again):
        state = self.graph.state
        with state.lock:
            theirs = [c for c in state.comments.values() if c["from"]["id"] == customer.facebook_id]
        if again and theirs:  # a reply in the thread of their last comment, where we answered them
            last = max(theirs, key=lambda comment: comment["_seq"])
            return self.graph.add_comment(
                last["_post"], customer.facebook_id, customer.name, text, last["_top"]
            )
        post_id = self.rng.choice(self.posts)
        return self.graph.add_comment(post_id, customer.facebook_id, customer.name, text)

    def _write_post(self, customer, topic, text, values, follow_up, index, again):
        """A visitor post: the customer writes on the Page's feed rather than under one of its posts."""
        return self.graph.add_post(text, from_page=False, author=(customer.facebook_id, customer.name))

    def _write_messenger(self, customer, topic, text, values, follow_up, index, again):
        return self.graph.add_messenger_message(customer.facebook_id, customer.name, text)

    def _write_ig_comment(self, customer, topic, text, values, follow_up, index, again):
        igsid, username = instagram_person(customer)
        state = self.instagram.state
        with state.lock:
            theirs = [c for c in state.comments.values() if c["from"]["id"] == igsid]
        if again and theirs:  # a reply in the thread of their last comment, where we answered them
            last = max(theirs, key=lambda comment: comment["_seq"])
            return self.instagram.add_comment(last["_media"], igsid, username, text, parent_id=last["_top"])
        return self.instagram.add_comment(self.rng.choice(self.media), igsid, username, text)

    def _write_ig_dm(self, customer, topic, text, values, follow_up, index, again):
        igsid, username = instagram_person(customer)
        return self.instagram.add_message(igsid, username, text)

    def _write_email(self, customer, topic, text, values, follow_up, index, again):
        mail = EmailMessage()
        mail["From"] = f"{customer.name} <{customer.email}>"
        mail["To"] = self.mailbox
        subject = pick(self.rng, topic, "subjects", values) if topic.subjects else text[:60]
        earlier = self._last_email.get(index) if again else None
        if earlier:  # an answer in the same thread: a mail client's Re: and references
            message_id, subject = earlier
            subject = subject if subject.lower().startswith("re:") else f"Re: {subject}"
            mail["In-Reply-To"] = message_id
            mail["References"] = message_id
        mail["Subject"] = subject
        mail["Date"] = format_datetime(datetime.now(UTC))
        mail["Message-ID"] = make_msgid(domain=customer.email.rsplit("@", 1)[1])
        mail.set_content(f"Hello,\n\n{text}\n\nThanks,\n{customer.name}")
        self.imap.deliver(bytes(mail))
        self._last_email[index] = (mail["Message-ID"], subject)
        return mail["Message-ID"]


def instagram_person(customer):
    """A customer's Instagram-scoped id and username (the demo's people have none of their own)."""
    return f"66{customer.facebook_id}", customer.handle.lower()


class StormRunning(Exception):
    """A storm is already on: one at a time."""
