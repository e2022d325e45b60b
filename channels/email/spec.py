"""Email: one kind of conversation, answered by mail, with no length limit of its own. Pure."""

from channels.spec import ChannelSpec, ThreadChannel

# Send pacing (incidents/pacing.py): (messages, seconds) per mailbox. SMTP has no documented limit of
# its own; we keep to Exchange Online's, the strictest of the hosts a utility's mailbox is likely on
# (30 messages a minute per mailbox, and 10,000 recipients a day: Microsoft's Exchange Online limits),
# which also keeps a burst of 5,000 updates from looking like spam to receiving servers.
SEND_LIMITS = {"email": ((30, 60), (10_000, 24 * 3600))}

SPEC = ChannelSpec(
    kind="email",
    name="Email",
    icon="✉",
    message_kinds={"email": ""},  # the ticket's header says "Email" already
    threads=(ThreadChannel(prefix="email", slug="email", label="Email", icon="✉"),),
    default_answered_kind="email",
)
