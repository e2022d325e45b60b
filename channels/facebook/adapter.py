"""The Facebook Page adapter: comments, visitor posts and Messenger, over the Graph API.

Reading lives in fetch.py, the HTTP client and its error classification in graph.py.
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
from channels.send_rules import messaging_fields
from channels.usage import count_calls
from oss_inbox.tickets.models import Message

from .fetch import Window, fetch_page, find_page_comment, find_page_message, find_private_reply
from .graph import GRAPH_URL, GraphClient, graph_api_version
from .spec import COMMENT_TEXT_LIMIT, MESSENGER_TEXT_LIMIT
from .token import DEBUG_TOKEN, token_expiry_of
from .usage import measure_graph_answer
from .webhook import read_webhook
from .webhook_threads import asked_conversations, customers_of, stored_conversations

# Facebook's limits: a comment holds up to 8,000 characters, a Messenger text message 2,000.
DEFAULTS = {"timeout_seconds": 20, "comment_window_days": 14, "page_size": 100}
# What moderation may hide (hide): a customer's comment, or their post on the Page.
HIDEABLE_KINDS = ("comment", "post")


class FacebookAdapter(ChannelAdapter):
    kind = "facebook"

    def fetch(self, cursor):
        now = timezone.now()
        window = Window(
            start=now - timedelta(days=self._number("comment_window_days")),
            page_size=int(self._number("page_size")),
        )
        with self._graph() as graph:
            items, new_cursor = fetch_page(graph, self._page_id(), cursor, window)
        return Fetched(items=items, cursor=new_cursor)

    def send(self, message):
        """Post a reply: a comment under the thread's top comment or the visitor's post, or a Messenger
        message."""
        self._check_length(message)
        with self._graph() as graph:
            if message.kind == "messenger":
                return self._send_messenger(graph, message)
            body = graph.post(f"{comment_target(message)}/comments", data={"message": message.text})
        return Sent(external_id=_sent_id(body, "id"), url=body.get("permalink_url", ""))

    def reconcile(self, message):
        """Look on Facebook for a reply whose send was cut off, with the same text, made since the send
        started: the Page's comment under the same post or top comment; its Messenger message to the
        same customer; for a private reply, its message in the conversation Facebook names on the comment."""
        since = reconcile_since(message)
        with self._graph() as graph:
            page_id = self._page_id()
            if message.kind != "messenger":
                found = find_page_comment(graph, page_id, comment_target(message), message.text, since)
                return Sent(external_id=found["id"], url=found.get("permalink_url", "")) if found else None
            if message.ticket.thread_key.startswith("fb:"):
                comment_id = privately_answered_comment(message)
                found = find_private_reply(graph, page_id, comment_id, message.text, since)
            else:
                found = find_page_message(graph, page_id, customer_psid(message), message.text, since)
        return Sent(external_id=found["id"]) if found else None

    def read_webhook(self, body):
        """A Page webhook body (channels/webhooks/) read into the items a poll of the same comments,
        posts and Messenger messages makes; Messenger messages filed under their conversation."""
        page_id = self._page_id()
        customers = customers_of(body, page_id)
        conversations, names = stored_conversations(self.account, customers), {}
        if customers - conversations.keys():
            with self._graph() as graph:
                conversations |= asked_conversations(graph, page_id, customers - conversations.keys(), names)
        return read_webhook(body, page_id=page_id, conversation_ids=conversations, names=names)

    def check(self):
        with self._graph() as graph:
            page = graph.get(self._page_id(), fields="id,name")
        return f"Connected to the Page {page.get('name', '(no name)')} (id {page.get('id')})"

    def token_expiry(self):
        """When the Page access token stops working, as debug_token says (channels/facebook/token.py)."""
        with self._graph() as graph:
            answer = graph.get(DEBUG_TOKEN, input_token=self.account.credentials.get("page_access_token"))
        return token_expiry_of(answer)

    def hide(self, message, hidden):
        """Hide a customer's comment or visitor post on the Page, or show it again: POST /{id} with
        is_hidden (the Page token needs pages_manage_engagement). Hidden, it stays visible to its
        author and their friends, and to nobody else."""
        if message.kind not in HIDEABLE_KINDS:
            raise ChannelError(
                "Only comments and visitor posts can be hidden on Facebook, not a "
                f"{message.get_kind_display()}.",
                permanent=True,
            )
        with self._graph() as graph:
            try:
                body = graph.post(message.external_id, data={"is_hidden": "true" if hidden else "false"})
            except DeliveryUnknown as error:  # asking again does no harm: hiding twice is hiding
                raise ChannelError(
                    "The connection to Facebook broke before it answered, so we cannot tell whether the "
                    "change was made: try again."
                ) from error
        if body.get("success") is not True:
            raise ChannelError("Facebook did not confirm the change: try again.")

    def _send_messenger(self, graph, message):
        """A Messenger message to the customer, or, on a comment's ticket, a private reply to the comment."""
        private = message.ticket.thread_key.startswith("fb:")
        body = graph.post(
            f"{self._page_id()}/messages",
            json_body={
                "recipient": private_reply_recipient(message) if private else {"id": customer_psid(message)},
                # RESPONSE within 24 hours of the customer's message; after that, until 7 days, the
                # human-agent tag the platforms' rules gave the reply (channels/send_rules.py).
                **messaging_fields(message.context),
                "message": {"text": message.text, **quick_replies(message)},
            },
        )
        return Sent(external_id=_sent_id(body, "message_id"))

    def _check_length(self, message):
        if message.kind == "messenger":
            limit, where = MESSENGER_TEXT_LIMIT, "Messenger"
        else:
            limit, where = COMMENT_TEXT_LIMIT, "a Facebook comment"
        if not message.text.strip():
            raise ChannelError("The reply is empty; there is nothing to send.", permanent=True)
        if len(message.text) > limit:
            raise ChannelError(
                f"The reply is {len(message.text):,} characters; {where} allows at most {limit:,}. "
                "Shorten it and send it again.",
                permanent=True,
            )

    def _graph(self):
        token = self.account.credentials.get("page_access_token")
        if not token:
            raise ChannelError(
                "No Page access token is saved for this account — an admin must connect the Page.",
                permanent=True,
            )
        settings = self.account.settings
        graph = GraphClient(
            access_token=token,
            app_secret=self.account.credentials.get("app_secret", ""),
            base_url=settings.get("graph_base_url") or GRAPH_URL,
            version=settings.get("graph_version") or graph_api_version(),
            timeout=self._number("timeout_seconds"),
        )
        if self.account.pk:  # every answer counted for the budget console (channels/usage.py)
            count_calls(graph.session, self.account.pk, measure_graph_answer)
        return graph

    def _page_id(self):
        if not self.account.self_external_id:
            raise ChannelError("The account has no Page id — an admin must enter it.", permanent=True)
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


def quick_replies(message):
    """Buttons under a Messenger message (a satisfaction survey's ratings): the message's
    context["quick_replies"], [{title, payload}], as the Send API takes them (at most 13; a title of at
    most 20 characters). Tapped, Messenger posts the title as the customer's message, with the payload."""
    buttons = message.context.get("quick_replies") or []
    if not buttons:
        return {}
    return {
        "quick_replies": [
            {"content_type": "text", "title": str(button["title"])[:20], "payload": str(button["payload"])}
            for button in buttons[:13]
        ]
    }


def comment_target(message):
    """Where a comment reply goes: the thread's top comment ("fb:{post}:{top}") or the visitor's
    post ("fb:{post}").

    Facebook nests comments one level deep, so a reply to a reply is posted under the top comment.
    """
    parts = conversation_of(message.ticket.thread_key).split(":")
    if parts[0] != "fb" or len(parts) not in (2, 3) or not all(parts[1:]):
        raise ChannelError(
            f"Cannot tell which Facebook post or comment ticket #{message.ticket_id} answers.", permanent=True
        )
    return parts[-1]


def private_reply_recipient(message):
    """Facebook's recipient for a private reply: the comment (or visitor post) it answers.

    The customer gets one Messenger message linked to it; Facebook allows one per comment, within
    7 days, and the conversation goes on only if the customer answers.
    """
    if not message.in_reply_to:
        raise ChannelError(f"Ticket #{message.ticket_id} has no comment to answer privately.", permanent=True)
    # "fb:{post}" or "fb:{post}:{top comment}"
    post_id = conversation_of(message.ticket.thread_key).split(":")[1]
    return {"post_id" if message.in_reply_to == post_id else "comment_id": message.in_reply_to}


def privately_answered_comment(message):
    """The comment a private reply answered, to look the reply up by. A private reply to a visitor post
    cannot be looked up: Facebook names the conversation it opened only on a comment."""
    recipient = private_reply_recipient(message)
    if "comment_id" not in recipient:
        raise ChannelError(
            "Facebook offers no way to look up a private reply to a visitor post, so we cannot tell whether "
            "this one went out: check the Page's inbox before sending it again.",
            permanent=True,
        )
    return recipient["comment_id"]


def customer_psid(message):
    """The customer's page-scoped id: the author of the ticket's latest inbound message."""
    latest = (
        message.ticket.messages.filter(direction=Message.Direction.INBOUND, author_identity__isnull=False)
        .select_related("author_identity")
        .order_by("-sent_at", "-id")
        .first()
    )
    if latest is None:
        raise ChannelError(
            f"Ticket #{message.ticket_id} has no customer message to answer on Messenger.", permanent=True
        )
    return latest.author_identity.external_id


def _sent_id(body, key):
    if not body.get(key):
        # Facebook took the request but did not say what it made: our echo in a poll will tell.
        raise DeliveryUnknown(
            "Facebook accepted the reply but did not return its id; the next poll will confirm it."
        )
    return str(body[key])
