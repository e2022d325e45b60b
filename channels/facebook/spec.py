"""Facebook Pages: comments and visitor posts in public, Messenger in private, and their limits. Pure."""

from channels.spec import ChannelSpec, ReplyLimit, ThreadChannel

# Facebook's limits: a comment holds up to 8,000 characters, a Messenger text message 2,000
# (the adapter checks a reply against them again just before sending).
COMMENT_TEXT_LIMIT = 8000
MESSENGER_TEXT_LIMIT = 2000

# Send pacing (incidents/pacing.py), by the kind a reply goes out as: (requests, seconds) windows per
# Page. Messenger's Send API: 300 calls per second per Page for text (developers.facebook.com,
# Messenger Platform rate limits; its 24-hour budget, 200 calls per engaged user, grows with every
# customer we answer, so one message to each never reaches it). A comment reply (POST
# /{comment-id}/comments) falls under the Pages API's business-use-case limit, 4,800 calls per
# engaged user per 24 h, which one reply per commenter never reaches either; Meta documents no
# per-second figure for it, so we pace comment replies at one a second (our choice: a Page posting
# faster in public looks like spam to Meta's integrity checks).
COMMENT_SEND_LIMITS = ((60, 60),)
SEND_LIMITS = {
    "comment": COMMENT_SEND_LIMITS,
    "post": COMMENT_SEND_LIMITS,  # a comment on a visitor's post: the same edge
    "messenger": ((300, 1),),
}

SPEC = ChannelSpec(
    kind="facebook",
    name="Facebook",
    icon="f",
    message_kinds={"comment": "comment", "post": "visitor post", "messenger": "Messenger"},
    # Thread keys (parse.py): "fb:{post}:{comment}" for comments, "fb:{post}" for visitor posts,
    # "fbm:{conversation}" for Messenger.
    threads=(
        ThreadChannel(prefix="fb", slug="facebook", label="Facebook", icon="f"),
        ThreadChannel(prefix="fbm", slug="messenger", label="Messenger", icon="m"),
    ),
    reply_limits={
        "comment": ReplyLimit(COMMENT_TEXT_LIMIT, "a Facebook comment"),
        "post": ReplyLimit(COMMENT_TEXT_LIMIT, "a Facebook comment"),  # a comment on the visitor's post
        "messenger": ReplyLimit(MESSENGER_TEXT_LIMIT, "Messenger"),
    },
    # A comment or a visitor post may be answered in private: a Messenger private reply.
    private_replies={"comment": "messenger", "post": "messenger"},
    reply_choice_words={
        "comment": ("Reply publicly (a comment reply)", "Reply privately (Messenger)"),
        "post": ("Reply publicly (a comment)", "Reply privately (Messenger)"),
    },
    default_answered_kind="comment",
)
