"""The Instagram adapter: comments on the account's media and direct messages, through the
Instagram API with Instagram Login (graph.instagram.com).

Reading lives in fetch.py, the HTTP client in client.py (the Graph client, in Instagram's words),
webhook bodies in webhook.py.
"""

from datetime import timedelta

from django.utils import timezone

from channels.base import (
    ChannelAdapter,
    ChannelError,
    DeliveryUnknown,
    Fetched,
    Sent,
    conversation_of,
    reconcile_since,
)
from channels.facebook.graph import graph_api_version
from channels.send_rules import messaging_fields
from channels.usage import count_calls
from oss_inbox.tickets.models import Message

from .client import INSTAGRAM_URL, InstagramClient
from .fetch import Window, fetch_account, find_comment_reply, find_message
from .spec import COMMENT_TEXT_LIMIT, DM_TEXT_LIMIT
from .usage import measure_instagram_answer
from .webhook import read_webhook

DEFAULTS = {"timeout_seconds": 20, "comment_window_days": 14, "page_size": 100}


class InstagramAdapter(ChannelAdapter):
    kind = "instagram"

    def fetch(self, cursor):
        window = Window(
            start=timezone.now() - timedelta(days=self._number("comment_window_days")),
            page_size=int(self._number("page_size")),
        )
        with self._client() as graph:
            items, new_cursor = fetch_account(graph, self._ig_id(), cursor, window)
        return Fetched(items=items, cursor=new_cursor)

    def read_webhook(self, body):
        """The comments and direct messages of an `object: "instagram"` webhook body for this account:
        the same external ids and thread keys as a poll of them."""
        return read_webhook(body, ig_id=self._ig_id())

    def send(self, message):
        """A reply under the thread's comment, a direct message, or a private reply to a comment."""
        self._check_length(message)
        with self._client() as graph:
            if message.kind == "ig_dm":
                body = graph.post(f"{self._ig_id()}/messages", json_body=self._direct_message(message))
                return Sent(external_id=_sent_id(body, "message_id"))
            body = graph.post(f"{top_comment(message)}/replies", data={"message": message.text})
        return Sent(external_id=_sent_id(body, "id"))

    def reconcile(self, message):
        """Look on Instagram for a reply whose send was cut off, with the same text, made since the
        send started: our reply under the same comment, or our direct message to the same person."""
        since = reconcile_since(message)
        with self._client() as graph:
            if message.kind == "ig_comment":
                found = find_comment_reply(graph, self._ig_id(), top_comment(message), message.text, since)
                return Sent(external_id=found["id"]) if found else None
            found = find_message(graph, self._ig_id(), customer_igsid(message), message.text, since)
        return Sent(external_id=found["id"]) if found else None

    def hide(self, message, hidden):
        """Hide a customer's comment from everyone but its author (or show it again)."""
        if message.kind != "ig_comment" or not message.external_id:
            raise ChannelError("Only a comment that is on Instagram can be hidden there.", permanent=True)
        with self._client() as graph:
            body = graph.post(message.external_id, data={"hide": "true" if hidden else "false"})
        if body.get("success") is not True:
            raise ChannelError("Instagram did not confirm the change; try again.")

    def check(self):
        with self._client() as graph:
            me = graph.get("me", fields="user_id,username")
        user_id, username = str(me.get("user_id") or me.get("id") or ""), me.get("username", "(no name)")
        if user_id != self._ig_id():
            raise ChannelError(
                f"The access token is @{username}'s (Instagram account id {user_id}), not account id "
                f"{self._ig_id()}'s — enter {user_id} as the account id, or the token of the right account.",
                permanent=True,
            )
        return f"Connected to the Instagram account @{username} (id {user_id})"

    # ---- inside ---------------------------------------------------------------------------------

    def _direct_message(self, message):
        """The messaging API's body: to the person of a DM conversation, or a private reply to the
        comment the ticket is about (its author gets one direct message, linked to the comment)."""
        if message.ticket.thread_key.startswith("ig:"):
            if not message.in_reply_to:
                raise ChannelError(
                    f"Ticket #{message.ticket_id} has no comment to answer privately.", permanent=True
                )
            recipient = {"comment_id": message.in_reply_to}
        else:
            recipient = {"id": dm_customer(message)}
        return {
            "recipient": recipient,
            "message": {"text": message.text},
            **messaging_fields(message.context),
        }

    def _check_length(self, message):
        limit, where = (
            (DM_TEXT_LIMIT, "an Instagram direct message")
            if message.kind == "ig_dm"
            else (
                COMMENT_TEXT_LIMIT,
                "an Instagram comment",
            )
        )
        if not message.text.strip():
            raise ChannelError("The reply is empty; there is nothing to send.", permanent=True)
        if len(message.text) > limit:
            raise ChannelError(
                f"The reply is {len(message.text):,} characters; {where} allows at most {limit:,}. "
                "Shorten it and send it again.",
                permanent=True,
            )

    def _client(self):
        token = self.account.credentials.get("access_token")
        if not token:
            raise ChannelError(
                "No Instagram access token is saved for this account — an admin must connect it.",
                permanent=True,
            )
        settings = self.account.settings
        client = InstagramClient(
            access_token=token,
            base_url=settings.get("graph_base_url") or INSTAGRAM_URL,
            version=settings.get("graph_version") or graph_api_version(),
            timeout=self._number("timeout_seconds"),
        )
        if self.account.pk:  # every answer counted for the budget console (channels/usage.py)
            count_calls(client.session, self.account.pk, measure_instagram_answer)
        return client

    def _ig_id(self):
        if not self.account.self_external_id:
            raise ChannelError(
                "The account has no Instagram account id — an admin must enter it.", permanent=True
            )
        return self.account.self_external_id

    def _number(self, name):
        """A numeric setting; the admin form stores strings, and an empty one means the default."""
        value = self.account.settings.get(name) or DEFAULTS[name]
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = 0
        if number <= 0:
            raise ChannelError(
                f"The setting {name} must be a positive number, not {value!r}.", permanent=True
            )
        return number


def top_comment(message):
    """The top-level comment of the thread ("ig:{media}:{top}"): Instagram nests one level deep, so a
    reply to a reply goes under it."""
    parts = conversation_of(message.ticket.thread_key).split(":")
    if parts[0] != "ig" or len(parts) != 3 or not all(parts[1:]):
        raise ChannelError(
            f"Cannot tell which Instagram comment ticket #{message.ticket_id} answers.", permanent=True
        )
    return parts[2]


def dm_customer(message):
    """The person of a direct-message thread ("igdm:{IGSID}")."""
    parts = conversation_of(message.ticket.thread_key).split(":")
    if parts[0] != "igdm" or len(parts) != 2 or not parts[1]:
        raise ChannelError(
            f"Cannot tell whom ticket #{message.ticket_id} should message on Instagram.", permanent=True
        )
    return parts[1]


def customer_igsid(message):
    """The person a direct message of ours went to: the thread's, or for a private reply the author
    of the ticket's latest inbound comment."""
    if message.ticket.thread_key.startswith("igdm:"):
        return dm_customer(message)
    latest = (
        message.ticket.messages.filter(direction=Message.Direction.INBOUND, author_identity__isnull=False)
        .select_related("author_identity")
        .order_by("-sent_at", "-id")
        .first()
    )
    if latest is None:
        raise ChannelError(
            f"Ticket #{message.ticket_id} has no customer message to look the reply up by.", permanent=True
        )
    return latest.author_identity.external_id


def _sent_id(body, key):
    if not body.get(key):
        # Instagram took the request but did not say what it made: our echo in a poll will tell.
        raise DeliveryUnknown(
            "Instagram accepted the reply but did not return its id; the next poll will confirm it."
        )
    return str(body[key])
