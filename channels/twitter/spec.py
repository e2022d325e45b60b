"""X (Twitter): its names, its two kinds of conversation and its reply limits. Pure."""

from channels.spec import ChannelSpec, ReplyLimit, ThreadChannel

from .length import MAX_TWEET_LENGTH, tweet_length

# What X accepts in one DM, counted in characters (the adapter checks it again before sending).
MAX_DM_LENGTH = 10_000

# Send pacing (incidents/pacing.py), by the kind a reply goes out as: (requests, seconds) windows, per
# account (X's per-user limits, OAuth user context), from docs.x.com/x-api/fundamentals/rate-limits:
# POST /2/tweets 100 requests / 15 min per user (and 10,000 / 24 h per app, kept per account here, the
# stricter reading for one account); POST /2/dm_conversations/with/:id/messages 200 / 15 min and
# 1,000 / 24 h per user (15,000 / 24 h per app).
SEND_LIMITS = {
    "mention": ((100, 15 * 60), (10_000, 24 * 3600)),
    "dm": ((200, 15 * 60), (1_000, 24 * 3600)),
}

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
