"""Which Messenger conversation a webhook's message belongs to.

A Messenger webhook names the customer (their page-scoped id, PSID), not the conversation (t_...)
a poll files the same message under. So that a webhook and a poll of one conversation make one
ticket, the conversation is found: a customer who wrote before keeps the conversation we stored;
for a new one the Graph API is asked (GET /{page}/conversations?user_id=, one call per customer),
which also names them (the conversation's participants).
If it cannot answer, the message is filed under the PSID ("psid-..."), as a lone message is.
"""

import logging

from channels.base import ChannelError
from oss_inbox.tickets.models import Message

log = logging.getLogger(__name__)


def customers_of(body: dict, page_id: str) -> set[str]:
    """The PSIDs of the customers a Page webhook body's Messenger events are with."""
    found = set()
    for entry in body.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        for event in [*(entry.get("messaging") or []), *(entry.get("standby") or [])]:
            if isinstance(event, dict) and isinstance(event.get("message"), dict):
                for side in ("sender", "recipient"):
                    psid = str((event.get(side) or {}).get("id") or "")
                    if psid and psid != page_id:
                        found.add(psid)
    return found


def stored_conversations(account, psids) -> dict[str, str]:
    """PSID -> conversation id (t_...) of the customers among `psids` whose messages a poll stored."""
    if not psids:
        return {}
    rows = Message.objects.filter(
        account=account,
        kind="messenger",
        direction="inbound",
        author_identity__external_id__in=psids,
        ticket__thread_key__startswith="fbm:t_",
    ).values_list("author_identity__external_id", "ticket__thread_key")
    return {psid: key.removeprefix("fbm:") for psid, key in rows.distinct() if " " not in key}


def asked_conversations(graph, page_id, psids, names=None) -> dict[str, str]:
    """PSID -> conversation id, as the Graph API names them; a customer it cannot answer for is left out.
    The same call lists the conversation's participants: each customer's name goes into `names`, so
    a customer first met by webhook is named at once, not only when a poll reads the conversation."""
    found = {}
    for psid in sorted(psids):
        try:
            pages = graph.pages(
                f"{page_id}/conversations", platform="messenger", user_id=psid, fields="id,participants"
            )
            first = next((item for body in pages for item in body.get("data", []) if item.get("id")), None)
        except ChannelError as error:
            log.info("Could not look up the Messenger conversation of %s: %s", psid, error)
            continue
        if first is None:
            continue
        found[psid] = str(first["id"])
        name = next(
            (
                str(person.get("name") or "")
                for person in (first.get("participants") or {}).get("data", [])
                if isinstance(person, dict) and str(person.get("id")) == psid
            ),
            "",
        )
        if name and names is not None:
            names[psid] = name
    return found
