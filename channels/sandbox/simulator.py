"""Customers who write every few seconds, on every channel, through the sandbox servers.

What they say comes from the demo's text bank (oss_inbox.demo.content), so the queue that fills up
under `make run` reads like the utility's. Now and then a customer answers one of our replies, so
threading back onto a ticket can be watched too. `write(kind)` makes one write now (the sandbox's
control page uses it, e.g. for the test of `make run`).
"""

import logging
import random
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from oss_inbox.demo.content import PAGE_POSTS, TOPICS, pick, ticket_values
from oss_inbox.demo.people import make_customers

log = logging.getLogger(__name__)

CHANNELS = (("mention", 35), ("dm", 10), ("comment", 20), ("messenger", 10), ("email", 25))
FOLLOW_UP_CHANCE = 0.25


class Simulator:
    def __init__(self, *, x, graph, imap, mailbox, interval=(8, 20), seed=None):
        self.x, self.graph, self.imap, self.mailbox = x, graph, imap, mailbox
        self.interval = interval
        self.rng = random.Random(seed)
        self.customers = make_customers(self.rng, 60)
        self.posts = [graph.add_post(text) for _, text in list(PAGE_POSTS.values())[:3]]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._written = []  # what every customer wrote, for the soak test to find each exactly once
        self._thread = threading.Thread(target=self._run, name="customer-simulator", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self):
        while not self._stop.wait(self.rng.uniform(*self.interval)):
            try:
                self.step()
            except Exception:  # a sandbox hiccup must not end the simulation
                log.exception("The simulated customer could not write")

    def step(self):
        """One customer writes: a new request, or now and then an answer to one of our replies."""
        kind = self.rng.choices([k for k, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
        return self.write(kind)["kind"]

    def write(self, kind, text=None):
        """A customer writes one `kind` of message now (`text`: what they say, else from the text bank).

        Returns what was written: kind, customer, text and the channel's id for it.
        """
        with self._lock:  # the simulator's thread and the control page share the random generator
            customer = self.rng.choice(self.customers)
            topic = self.rng.choice([t for t in TOPICS if kind in t.kinds] or TOPICS)
            values = ticket_values(self.rng, customer, "the team")
            role = "answers" if self.rng.random() < FOLLOW_UP_CHANCE and topic.answers else "openings"
            # Given words open a conversation of their own; the text bank's may answer one of our posts.
            follow_up = text is None
            text = text or pick(self.rng, topic, role, values)
            external_id = getattr(self, f"_write_{kind}")(customer, topic, text, values, follow_up=follow_up)
            written = {"kind": kind, "customer": customer.name, "text": text, "id": external_id}
            self._written.append(written)
        log.info("%s wrote a %s: %s", customer.name, kind, text[:60])
        return written

    def written(self):
        with self._lock:
            return list(self._written)

    def _write_mention(self, customer, topic, text, values, follow_up):
        ours = self.x.state.posted_tweets
        answering = (
            self.rng.choice(ours)["id"]
            if follow_up and ours and self.rng.random() < FOLLOW_UP_CHANCE
            else None
        )
        return self.x.add_mention(
            customer.x_user_id, customer.handle, customer.name, text, in_reply_to=answering
        )

    def _write_dm(self, customer, topic, text, values, follow_up):
        return self.x.add_dm(customer.x_user_id, customer.handle, customer.name, text)

    def _write_comment(self, customer, topic, text, values, follow_up):
        post_id = self.rng.choice(self.posts)
        return self.graph.add_comment(post_id, customer.facebook_id, customer.name, text)

    def _write_messenger(self, customer, topic, text, values, follow_up):
        return self.graph.add_messenger_message(customer.facebook_id, customer.name, text)

    def _write_email(self, customer, topic, text, values, follow_up):
        mail = EmailMessage()
        mail["From"] = f"{customer.name} <{customer.email}>"
        mail["To"] = self.mailbox
        mail["Subject"] = pick(self.rng, topic, "subjects", values) if topic.subjects else text[:60]
        mail["Date"] = format_datetime(datetime.now(UTC))
        mail["Message-ID"] = make_msgid(domain=customer.email.rsplit("@", 1)[1])
        mail.set_content(f"Hello,\n\n{text}\n\nThanks,\n{customer.name}")
        self.imap.deliver(bytes(mail))
        return mail["Message-ID"]
