"""An agent hides a customer's public comment from the ticket, or shows it again.

The platform first (the account's adapter: Facebook's is_hidden, Instagram's hide, X's hidden
replies), then the record (tickets.services.message_set_hidden: the message's hidden_at and a
`moderation` event). A platform that refuses changes nothing here, and the agent reads why.
"""

from oss_inbox.staff.roles import require_queue_worker
from oss_inbox.tickets.models import Message
from oss_inbox.tickets.services import message_set_hidden

from ..base import ChannelError
from ..facebook.explain import NO_SUCH_OBJECT
from ..facebook.graph import GraphApiError
from ..registry import adapter_for, spec_of_message_kind

# A customer's public comment, by message kind: what can be hidden on its platform.
HIDEABLE_KINDS = ("comment", "post", "ig_comment", "mention")


class HideRefused(Exception):
    """The message cannot be hidden (not a customer's public comment); the words say why."""


def platform_name(message: Message) -> str:
    """ "Facebook", "Instagram", "X": where the comment is."""
    spec = spec_of_message_kind(message.kind)
    return spec.name if spec else message.account.get_kind_display()


def hide_problem(message: Message) -> str:
    """Why this message cannot be hidden on its platform, in plain words; "" when it can."""
    if message.direction != Message.Direction.INBOUND or message.kind not in HIDEABLE_KINDS:
        return "Only a customer's public comment or reply can be hidden."
    if not message.external_id:
        return "This comment has no id on its platform, so it cannot be hidden there."
    if message.kind == "mention" and not message.in_reply_to:
        # X hides only replies, and only in conversations our account started.
        return "X lets an account hide only replies to its own posts; this post is not a reply."
    return ""


def hide_offered(message: Message) -> bool:
    """Whether the conversation offers Hide (or Show) on this message."""
    return not hide_problem(message)


def message_hide(*, message: Message, hidden: bool, actor) -> bool:
    """Hide the comment on its platform (hidden=True) or show it again, and record it; False when it
    already was so. HideRefused for a message that cannot be hidden; the adapter's ChannelError, in
    the platform's plain words, when the platform refused or could not be reached (nothing recorded)."""
    require_queue_worker(actor)  # before anything reaches the platform
    problem = hide_problem(message)
    if problem:
        raise HideRefused(problem)
    if (message.hidden_at is not None) == hidden:
        return False
    try:
        adapter_for(message.account).hide(message, hidden)
    except GraphApiError as error:
        if error.code != NO_SUCH_OBJECT:
            raise
        # Graph's "(#100) Object with ID '8123…_9347…' does not exist, cannot be loaded due to missing
        # permissions, or does not support this operation" says nothing an agent can act on.
        raise ChannelError(
            f"{platform_name(message)} no longer has this comment, or will not let us change it: it may "
            "have been deleted.",
            permanent=True,
        ) from error
    return (
        message_set_hidden(message=message, hidden=hidden, actor=actor, on=platform_name(message)) is not None
    )
