"""Instagram: comments on the account's media in public, direct messages in private. Pure."""

from channels.spec import ChannelSpec, ReplyLimit, ThreadChannel

# Instagram's limits: a comment (or a reply to one) holds up to 2,200 characters; a direct
# message's text up to 1,000 (the adapter checks a reply against them again just before sending).
COMMENT_TEXT_LIMIT = 2200
DM_TEXT_LIMIT = 1000

# Send pacing (incidents/pacing.py), by the kind a reply goes out as: (requests, seconds) windows per
# Instagram professional account. Direct messages: the Messenger API for Instagram's Send API, 300
# calls per second per account for text (developers.facebook.com, Messenger Platform rate limits;
# a private reply to a comment, 750 an hour there, is never a broadcast's). A public reply to a comment (POST
# /{ig-comment-id}/replies) falls under the Instagram Platform's business-use-case limit, which scales
# with the account's impressions; we pace those at one a second, as Facebook's (our choice).
SEND_LIMITS = {
    "ig_comment": ((60, 60),),
    "ig_dm": ((300, 1),),
}

SPEC = ChannelSpec(
    kind="instagram",
    name="Instagram",
    icon="◎",
    message_kinds={"ig_comment": "comment", "ig_dm": "direct message"},
    # Thread keys (parse.py): "ig:{media}:{top comment}" for comments, "igdm:{customer's IGSID}" for
    # direct messages (Instagram keeps one conversation per person, and a webhook names the person,
    # never the conversation).
    threads=(
        ThreadChannel(prefix="ig", slug="instagram", label="Instagram", icon="◎"),
        ThreadChannel(prefix="igdm", slug="instagram_dm", label="Instagram DM", icon="◎"),
    ),
    reply_limits={
        "ig_comment": ReplyLimit(COMMENT_TEXT_LIMIT, "an Instagram comment"),
        "ig_dm": ReplyLimit(DM_TEXT_LIMIT, "an Instagram direct message"),
    },
    # A comment may be answered in private: one direct message to its author (a private reply).
    private_replies={"ig_comment": "ig_dm"},
    reply_choice_words={"ig_comment": ("Reply publicly (a comment reply)", "Reply privately (a DM)")},
    default_answered_kind="ig_comment",
)
