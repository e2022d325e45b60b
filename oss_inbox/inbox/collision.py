"""A reply collision: a colleague answered the customer after this agent opened the ticket.

Send (or Send & resolve) on such a ticket sends nothing at first: the composer shows the colleague's
replies (who, when, what) and offers Send anyway, Save as note or Cancel (actions.compose). The
composer says what the agent had seen with `seen_outbound`, the newest outbound message on the page
it was written on; a choice made after seeing replies says which with `confirmed_through`, so a
reply that arrives while the agent chooses is shown too, before anything goes out.
"""

from dataclasses import dataclass

from oss_inbox.tickets.models import Message


@dataclass(frozen=True)
class Collision:
    """What the composer shows instead of sending: the colleagues' replies and the button pressed."""

    replies: list
    action: str  # "reply" or "reply_resolve": what Send anyway does
    seen_outbound: int  # the draft's page had seen replies up to here; Cancel names what came after

    @property
    def names(self):
        """ "Lee" or "Lee and Sam": each colleague who replied, once, in order."""
        names = list(dict.fromkeys(author_name(reply) for reply in self.replies))
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

    @property
    def prompt(self):
        return f"{self.names} replied to this customer after you opened the ticket. Send yours anyway?"

    @property
    def through(self):
        """The newest reply shown: Send anyway agrees to send after it, and after nothing newer."""
        return max(reply.pk for reply in self.replies)


def author_name(message):
    user = message.author_user
    return user.get_full_name() or user.get_username()


def message_id(value):
    """A posted message id (`seen_outbound`, `confirmed_through`) as an int; 0 when absent or odd."""
    return int(value) if value.isdecimal() else 0  # isdigit() passes "²", which int() refuses


def colleague_replies_since(ticket, user, after_id):
    """Replies a colleague (not `user`, not an automatic one) wrote on the ticket after message `after_id`."""
    replies = ticket.messages.filter(
        direction=Message.Direction.OUTBOUND, pk__gt=after_id, is_automatic=False
    )
    return list(
        replies.exclude(author_user=user)
        .exclude(author_user=None)
        .select_related("author_user")
        .order_by("pk")
    )


def collision_of(post, ticket, user):
    """The collision a composer's post (Send, Send & resolve, Send anyway) would cause, or None.

    1. A composer that already wrote a message is a repeat (a double click that crossed a colleague's
       reply): the reply service answers it, and nothing is sent twice.
    2. A page from before the choices existed confirmed with `confirmed=1` alone: it sends.
    3. Otherwise a colleague's reply newer than both what the page had seen and what the agent
       confirmed collides, and the composer shows every colleague's reply since the draft's page.
    """
    token = post.get("once", "")[:64]
    if token and Message.objects.filter(compose_token=token).exists():
        return None
    if post.get("confirmed") == "1" and "confirmed_through" not in post:
        return None
    seen = message_id(post.get("seen_outbound", ""))
    if not colleague_replies_since(ticket, user, max(seen, message_id(post.get("confirmed_through", "")))):
        return None
    opened = message_id(post.get("collided_after", "")) if "collided_after" in post else seen
    replies = colleague_replies_since(ticket, user, opened)  # all since the draft's page, not only the newest
    return Collision(replies=replies, action=post.get("action", "reply"), seen_outbound=opened)


def cancelled_words(post, ticket, user):
    """What the composer says after Cancel: who replied (now in the conversation), and that nothing went."""
    replies = colleague_replies_since(ticket, user, message_id(post.get("collided_after", "")))
    if not replies:
        return "Not sent. Your draft is kept below to edit."
    names = Collision(replies=replies, action="reply", seen_outbound=0).names
    what = "reply is" if len(replies) == 1 else "replies are"
    return f"Not sent. {names}'s {what} in the conversation above; your draft is kept below to edit."
