"""Customers who write every few seconds, on every channel, through the sandbox servers.

What they say comes from the demo's text bank (oss_inbox.demo.content), so the queue that fills up
under `make run` reads like the utility's. Now and then a customer answers one of our replies, so
threading back onto a ticket can be watched too.
"""

import logging
import random
import threading
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone

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
        self._thread = threading.Thread(target=self._run, name="customer-simulator", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
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
        customer = self.rng.choice(self.customers)
        topic = self.rng.choice([t for t in TOPICS if kind in t.kinds] or TOPICS)
        values = ticket_values(self.rng, customer, "the team")
        role = "answers" if self.rng.random() < FOLLOW_UP_CHANCE and topic.answers else "openings"
        text = pick(self.rng, topic, role, values)
        getattr(self, f"_write_{kind}")(customer, topic, text, values)
        log.info("%s wrote a %s: %s", customer.name, kind, text[:60])
        return kind

    def _write_mention(self, customer, topic, text, values):
        ours = self.x.state.posted_tweets
        answering = self.rng.choice(ours)["id"] if ours and self.rng.random() < FOLLOW_UP_CHANCE else None
        self.x.add_mention(customer.x_user_id, customer.handle, customer.name, text, in_reply_to=answering)

    def _write_dm(self, customer, topic, text, values):
        self.x.add_dm(customer.x_user_id, customer.handle, customer.name, text)

    def _write_comment(self, customer, topic, text, values):
        post_id = self.rng.choice(self.posts)
        self.graph.add_comment(post_id, customer.facebook_id, customer.name, text)

    def _write_messenger(self, customer, topic, text, values):
        self.graph.add_messenger_message(customer.facebook_id, customer.name, text)

    def _write_email(self, customer, topic, text, values):
        mail = EmailMessage()
        mail["From"] = f"{customer.name} <{customer.email}>"
        mail["To"] = self.mailbox
        mail["Subject"] = pick(self.rng, topic, "subjects", values) if topic.subjects else text[:60]
        mail["Date"] = format_datetime(datetime.now(timezone.utc))
        mail["Message-ID"] = make_msgid(domain=customer.email.rsplit("@", 1)[1])
        mail.set_content(f"Hello,\n\n{text}\n\nThanks,\n{customer.name}")
        self.imap.deliver(bytes(mail))
