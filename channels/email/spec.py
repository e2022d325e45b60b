"""Email: one kind of conversation, answered by mail, with no length limit of its own. Pure."""

from channels.spec import ChannelSpec, ThreadChannel

SPEC = ChannelSpec(
    kind="email",
    name="Email",
    icon="✉",
    message_kinds={"email": ""},  # the ticket's header says "Email" already
    threads=(ThreadChannel(prefix="email", slug="email", label="Email", icon="✉"),),
    default_answered_kind="email",
)
