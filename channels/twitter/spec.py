"""X (Twitter): its names, its two kinds of conversation and its reply limits. Pure."""

from channels.spec import ChannelSpec, ReplyLimit, ThreadChannel

from .length import MAX_TWEET_LENGTH, tweet_length

# What X accepts in one DM, counted in characters (the adapter checks it again before sending).
MAX_DM_LENGTH = 10_000

SPEC = ChannelSpec(
    kind="twitter",
    name="X",
    icon="𝕏",
    message_kinds={"mention": "mention", "dm": "direct message"},
    # Thread keys (parse.py): "x:{conversation}:{author}" for mentions, "xdm:{conversation}" for DMs.
    threads=(
        ThreadChannel(prefix="x", slug="x", label="X", icon="𝕏"),
        ThreadChannel(prefix="xdm", slug="x_dm", label="X DM", icon="𝕏"),
    ),
    reply_limits={
        # A reply tweet is counted as X counts it (links 23, emoji 2, CJK 2), so the counter is
        # always shown: 280 comes quickly.
        "mention": ReplyLimit(MAX_TWEET_LENGTH, "X", measure=tweet_length, count_from=0),
        "dm": ReplyLimit(MAX_DM_LENGTH, "an X DM"),
    },
    # A mention may be answered in private: a DM to its author.
    private_replies={"mention": "dm"},
    reply_choice_words={"mention": ("Reply publicly (a reply tweet)", "Reply privately (a DM)")},
    default_answered_kind="mention",
)
