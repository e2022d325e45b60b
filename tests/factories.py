"""A few factories for the shared test world."""

import itertools
from datetime import UTC, datetime, timedelta

from channels.base import Author, Inbound
from channels.models import ChannelAccount

_ids = itertools.count(1000)
BASE_TIME = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def account(kind="twitter", name=None, **fields):
    defaults = {
        "twitter": "1500000000000000001",
        "facebook": "104000000000001",
        "email": "help@utility.example",
    }
    return ChannelAccount.objects.create(
        kind=kind, name=name or f"{kind} {next(_ids)}", self_external_id=defaults[kind], **fields
    )


def author(external_id="111", handle="kjones", name="Kim Jones"):
    return Author(external_id=external_id, handle=handle, name=name)


def inbound(*, kind="mention", external_id=None, thread_key=None, who=None, minutes=0, **fields):
    external_id = external_id or str(next(_ids))
    who = who or author()
    return Inbound(
        external_id=external_id,
        kind=kind,
        thread_key=thread_key or f"x:{external_id}:{who.external_id}",
        author=who,
        sent_at=BASE_TIME + timedelta(minutes=minutes),
        text=fields.pop("text", "Power out on Elm St since 6am, any ETA?"),
        **fields,
    )


def email(*, message_id=None, sender="maria@example.com", name="Maria Lopez", minutes=0, **fields):
    message_id = message_id or f"{next(_ids)}@mail.example"
    reply_to_ids = fields.pop("reply_to_ids", ())
    root = reply_to_ids[-1] if reply_to_ids else message_id
    return inbound(
        kind="email",
        external_id=message_id,
        thread_key=f"email:{root}",
        who=Author(external_id=sender, handle=sender, name=name),
        minutes=minutes,
        subject=fields.pop("subject", "Bill higher than usual"),
        reply_to_ids=reply_to_ids,
        **fields,
    )
