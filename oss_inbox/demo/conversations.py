"""A customer's side of one conversation, shaped like what each channel's parser produces.

Each class makes the `Inbound` items that a customer's messages would become after
`channels/<kind>/parse.py` — with that channel's ids, thread keys and reply references — and the
id the channel gives our reply once it is sent. No database.
"""

import base64
import itertools
import struct
import zlib

from channels.base import Author, Inbound, InboundAttachment

from . import content

X_EPOCH_MS = 1288834974657  # X snowflake ids count milliseconds from this moment
OUR_MAIL_DOMAIN = "prairie-eg.example"
THEIR_MAIL_DOMAIN = "mail.example"


class ChannelIds:
    """Ids shaped like each channel's, unique within one build: a counter is part of every one."""

    def __init__(self, rng):
        self.rng = rng
        self.counter = itertools.count(1)

    def snowflake(self, moment):
        milliseconds = int(moment.timestamp() * 1000) - X_EPOCH_MS
        return str((milliseconds << 22) | (next(self.counter) & 0x3FFFFF))

    def facebook_number(self):
        return f"{self.rng.randrange(10**9, 10**10)}{next(self.counter):06d}"

    def token(self, size):
        return base64.urlsafe_b64encode(self.rng.randbytes(size)).decode().rstrip("=") + str(
            next(self.counter)
        )

    def message_id(self, domain):
        return f"{self.token(12)}@{domain}"


def initials(user):
    return f"{user.first_name[:1]}{user.last_name[:1]}".upper()


class Conversation:
    """What every channel shares: who the customer is, and which message is the newest."""

    kind = ""

    def __init__(self, ids, account, customer, *, subject="", post=None):
        self.ids = ids
        self.account = account
        self.customer = customer
        self.subject = subject  # email only
        self.post = content.post_context(post) if post else None  # Facebook comments only
        self.message_ids = []  # both sides, oldest first

    def say(self, text, moment, **extra):
        """The Inbound item of the customer's next message."""
        external_id = self.new_id(moment)
        item = Inbound(
            external_id=external_id,
            kind=self.kind,
            thread_key=self.thread_key(external_id),
            author=self.author(),
            sent_at=moment,
            text=text if extra.get("is_automatic") else self.written(text),
            reply_to_ids=self.replying_to(),
            url=self.url(external_id),
            context=self.context(),
            raw={"id": external_id, "demo": True},
            **extra,
        )
        self.message_ids.append(external_id)
        return item

    def sent(self, moment):
        """The channel's id for our reply, as the sender would store it after posting."""
        external_id = self.new_id(moment)
        self.message_ids.append(external_id)
        return external_id

    def our_text(self, text, agent):
        return f"{text} ^{initials(agent)}"

    def author(self):
        return Author(external_id=self.customer.facebook_id, name=self.customer.name)

    def written(self, text):
        return text

    def replying_to(self):
        return (self.message_ids[-1],) if self.message_ids else ()

    def url(self, external_id):
        return ""

    def context(self):
        return {}


class Mention(Conversation):
    """Public tweets: the conversation is the customer's first tweet; each reply answers the newest."""

    kind = "mention"

    def new_id(self, moment):
        return self.ids.snowflake(moment)

    def thread_key(self, external_id):
        root = self.message_ids[0] if self.message_ids else external_id
        return f"x:{root}:{self.customer.x_user_id}"

    def author(self):
        return Author(
            external_id=self.customer.x_user_id, handle=self.customer.handle, name=self.customer.name
        )

    def written(self, text):
        return f"@{content.X_USERNAME} {text}"

    def url(self, external_id):
        return f"https://x.com/{self.customer.handle}/status/{external_id}"


class DirectMessage(Mention):
    """X DMs: one conversation per pair of users, named by both user ids."""

    kind = "dm"

    def thread_key(self, external_id):
        low, high = sorted((int(content.X_USER_ID), int(self.customer.x_user_id)))
        return f"xdm:{low}-{high}"

    def written(self, text):
        return text

    def replying_to(self):
        return ()

    def url(self, external_id):
        return ""


class Comment(Conversation):
    """Facebook comments on one of the Page's posts; replies stay under the customer's top comment."""

    kind = "comment"

    def new_id(self, moment):
        return f"{self.post['post_id'].split('_')[1]}_{self.ids.facebook_number()}"

    def thread_key(self, external_id):
        top = self.message_ids[0] if self.message_ids else external_id
        return f"fb:{self.post['post_id']}:{top}"

    def replying_to(self):
        # Graph gives every reply under a comment that top-level comment as its parent.
        return self.message_ids[:1]

    def url(self, external_id):
        top = (self.message_ids[:1] or [external_id])[0].split("_")[1]
        reply = f"&reply_comment_id={external_id.split('_')[1]}" if self.message_ids else ""
        return f"{self.post['post_url']}/?comment_id={top}{reply}"

    def context(self):
        return dict(self.post)


class Messenger(Conversation):
    kind = "messenger"

    def __init__(self, ids, account, customer, **details):
        super().__init__(ids, account, customer, **details)
        self.conversation_id = f"t_{ids.facebook_number()}"

    def new_id(self, moment):
        return f"m_{self.ids.token(24)}"

    def thread_key(self, external_id):
        return f"fbm:{self.conversation_id}"

    def replying_to(self):
        return ()


class Email(Conversation):
    """Mail threads by the root Message-ID; a reply names every earlier message, the closest first."""

    kind = "email"

    def new_id(self, moment):
        return self.ids.message_id(THEIR_MAIL_DOMAIN)

    def sent(self, moment):
        external_id = self.ids.message_id(OUR_MAIL_DOMAIN)
        self.message_ids.append(external_id)
        return external_id

    def say(self, text, moment, **extra):
        subject = extra.pop("subject", None) or (f"Re: {self.subject}" if self.message_ids else self.subject)
        return super().say(text, moment, subject=subject, **extra)

    def auto_reply(self, text, moment):
        return self.say(text, moment, subject=f"Automatic reply: Re: {self.subject}", is_automatic=True)

    def with_photo(self, text, moment):
        attachment = InboundAttachment(filename="meter.png", content_type="image/png", data=grey_png(64, 40))
        return self.say(text, moment, attachments=(attachment,))

    def thread_key(self, external_id):
        return f"email:{self.message_ids[0] if self.message_ids else external_id}"

    def author(self):
        return Author(external_id=self.customer.email, handle=self.customer.email, name=self.customer.name)

    def written(self, text):
        return content.email_body(self.ids.rng, text, self.customer)

    def our_text(self, text, agent):
        return content.our_email_body(text, self.customer.first, agent.get_full_name())

    def replying_to(self):
        return tuple(reversed(self.message_ids))


def grey_png(width, height):
    """A small, valid greyscale PNG: a photo stand-in that any browser can show."""
    rows = b"".join(b"\x00" + bytes((x * 4 + y * 2) % 256 for x in range(width)) for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


CONVERSATIONS = {cls.kind: cls for cls in (Mention, DirectMessage, Comment, Messenger, Email)}
FAMILY = {
    "mention": "twitter",
    "dm": "twitter",
    "comment": "facebook",
    "messenger": "facebook",
    "email": "email",
}
