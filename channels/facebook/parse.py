"""Graph API payloads -> Inbound items. Pure: no database, no network.

Every reader accepts the three shapes the Graph API answers with: a page (`{"data": [...],
"paging": ...}`), a single object (`{"id": ...}`) and an `?ids=` lookup (`{"<id>": {...}, ...}`).

The poller should request `fields=id,message,created_time,from,parent{id},permalink_url,attachment`
for comments and `fields=id,message,created_time,from,attachments` for messages; the readers still
cope when some are missing, as in responses recorded without the page token's permissions.
Saved bodies of any shape, webhook bodies included, are told apart and read into the same items
by shapes.py and webhook.py.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from channels.base import Author, ChannelError, Inbound, InboundAttachment, Unparseable
from channels.reading import Reading


def graph_objects(response: dict) -> list[dict]:
    """The objects of a response in any of the three shapes. An error body raises ValueError."""
    if not isinstance(response, dict):
        raise ValueError(f"a Graph API response is a JSON object, not {type(response).__name__}")
    if isinstance(response.get("error"), dict):
        error = graph_error(response)
        raise ValueError(f"the Graph API answered with error {error.code}: {error.message}")
    if isinstance(response.get("data"), list):
        return [item for item in response["data"] if isinstance(item, dict)]
    if isinstance(response.get("id"), str):
        return [response]
    return [value for key, value in response.items() if isinstance(value, dict) and value.get("id") == key]


# ---- comments ----------------------------------------------------------------------------------


def parse_comments(response: dict, *, post: dict | None = None, page_id: str = "") -> list:
    """Comments on a post: GET /{post-id}/comments (filter=stream gives replies too).

    `post` is the post they were written on (id, message, permalink_url), shown to the agent as
    context; without it the post id is read from each comment's permalink, or from its id and the
    Page's (`page_id`).
    """
    return [parse_comment(comment, post=post, page_id=page_id) for comment in graph_objects(response)]


def parse_comment(comment: dict, *, post: dict | None = None, page_id: str = "") -> Inbound | Unparseable:
    ids = _comment_ids(comment, page_id)
    if ids is None:
        return Unparseable(None, "comment has no id (request fields=id or permalink_url)", comment)
    comment_id, parent_id, top_id, known_post_id = ids
    post_id = (post or {}).get("id") or known_post_id
    if not post_id:
        return Unparseable(
            comment_id, "comment has no post (pass post= or request fields=permalink_url)", comment
        )
    sent_at = _graph_time(comment.get("created_time"))
    if sent_at is None:
        return Unparseable(comment_id, "comment has no created_time", comment)
    return Inbound(
        external_id=comment_id,
        kind="comment",
        thread_key=f"fb:{post_id}:{top_id}",
        author=_author(comment.get("from"), anonymous_id=comment_id),
        sent_at=sent_at,
        text=comment.get("message", ""),
        url=comment.get("permalink_url", ""),
        reply_to_ids=(parent_id,) if parent_id else (),
        context=_post_context(post, post_id, comment.get("permalink_url", "")),
        raw=dict(comment),
        attachments=_comment_attachments(comment, comment_id),
    )


def _comment_ids(comment, page_id=""):
    """(comment id, parent id or "", top-level comment id, post id or "").

    Comment ids are "{post}_{comment}" (older ones "{page}_{post}_{comment}"). Responses without
    `id` still carry a permalink
    https://www.facebook.com/{page}/posts/{post}/?comment_id={top}[&reply_comment_id={reply}]
    from which the same ids are rebuilt, so a comment seen with and without `id` dedupes. The post
    id comes from the permalink, else from the comment id and the Page's. Returns None when neither
    gives an id.
    """
    link_page, post_number, top, reply = _permalink_parts(comment.get("permalink_url", ""))
    rebuilt_top = f"{post_number}_{top}" if post_number and top else ""
    comment_id = comment.get("id") or (f"{post_number}_{reply}" if reply and post_number else rebuilt_top)
    if not comment_id:
        return None
    parent_id = (comment.get("parent") or {}).get("id") or (rebuilt_top if reply else "")
    # The thread is the top-level comment; the permalink names it even for a reply to a reply.
    top_id = (rebuilt_top if reply else "") or parent_id or comment_id
    # A permalink may name the Page by its username; the post id wants the number.
    link_page = page_id if page_id and not link_page.isdigit() else link_page
    post_id = f"{link_page}_{post_number}" if link_page and post_number else _post_of(comment_id, page_id)
    return comment_id, parent_id, top_id, post_id


def _post_of(comment_id, page_id):
    """The post a comment id names: "{page}_{post}" of "{page}_{post}_{comment}", or of
    "{post}_{comment}" with the Page's id; "" when it cannot be told."""
    parts = comment_id.split("_")
    if len(parts) == 3 and all(parts):
        return f"{parts[0]}_{parts[1]}"
    if len(parts) == 2 and all(parts) and page_id and parts[0] != page_id:
        return f"{page_id}_{parts[0]}"
    return ""


def _permalink_parts(permalink):
    """(page id, post number, comment_id, reply_comment_id) from a comment permalink; "" if absent."""
    parts = urlsplit(permalink)
    segments = [segment for segment in parts.path.split("/") if segment]
    page_id = post_number = ""
    if len(segments) >= 3 and segments[1] == "posts":
        page_id, post_number = segments[0], segments[2]
    query = parse_qs(parts.query)
    return page_id, post_number, query.get("comment_id", [""])[0], query.get("reply_comment_id", [""])[0]


def _post_context(post, post_id, permalink):
    post = post or {}
    post_url = post.get("permalink_url") or (permalink.split("?")[0] if permalink else "")
    return {"post_id": post_id, "post_text": post.get("message", ""), "post_url": post_url}


def _comment_attachments(comment, comment_id):
    """A photo's image; otherwise the link the comment shares (a page, a video), as a link."""
    attachment = comment.get("attachment") or {}
    image = ((attachment.get("media") or {}).get("image") or {}).get("src", "")
    if image:
        filename = _filename_from_url(image, f"{comment_id}.jpg")
        return (InboundAttachment(filename=filename, content_type="image/jpeg", url=image),)
    if attachment.get("url"):
        return (
            InboundAttachment(
                filename=f"{comment_id}-link", content_type="text/uri-list", url=attachment["url"]
            ),
        )
    return ()


def _filename_from_url(url, fallback):
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return name if "." in name else fallback


# ---- posts ------------------------------------------------------------------------------------


PAGE_POSTS = "posts by the Page itself (what customers comment on, not messages)"
POSTS_WITHOUT_FROM = "posts without `from`, taken for the Page's own (fetched without fields=from)"


def parse_feed(response: dict, *, page_id: str, from_requested: bool = True) -> list:
    """Visitor posts from GET /{page-id}/feed; the page's own posts are the parents of comments."""
    return read_feed(response, page_id=page_id, from_requested=from_requested).items


def read_feed(response: dict, *, page_id: str, from_requested: bool = True) -> Reading:
    """Visitor posts from a feed page, with the posts left out and why (see `read_post`)."""
    posts = graph_objects(response)
    reading = Reading(empty_because="" if posts else "an empty page of the feed: no posts in it")
    for post in posts:
        reading.add(read_post(post, page_id=page_id, from_requested=from_requested))
    return reading


def read_post(post: dict, *, page_id: str, from_requested: bool = True) -> Reading:
    """A visitor post becomes an item; the Page's own post is left out.

    The Graph API always names the Page as `from` of its own posts when `from` was requested (the
    poller requests it), so a post without `from` then is a visitor's whose name is hidden (the
    token lacks the permission to see people): it gets an anonymous author, never dropped. When
    `from_requested` is False (a saved feed fetched without it) nobody can tell, and the post is
    taken for the Page's own, as most of a Page's feed is.
    """
    author_id = (post.get("from") or {}).get("id")
    if page_id and author_id == page_id:
        return Reading(left_out=Counter({PAGE_POSTS: 1}))
    if not author_id and not from_requested:
        return Reading(left_out=Counter({POSTS_WITHOUT_FROM: 1}))
    return Reading(items=[_post(post)])


def _post(post):
    post_id = post.get("id")
    if not post_id:
        return Unparseable(None, "post has no id", post)
    sent_at = _graph_time(post.get("created_time"))
    if sent_at is None:
        return Unparseable(post_id, "post has no created_time", post)
    return Inbound(
        external_id=post_id,
        kind="post",
        thread_key=f"fb:{post_id}",
        author=_author(post.get("from"), anonymous_id=post_id),
        sent_at=sent_at,
        text=post.get("message", ""),
        url=post.get("permalink_url", ""),
        raw=dict(post),
        attachments=_post_attachments(post),
    )


def _post_attachments(post):
    found = []
    for attachment in (post.get("attachments") or {}).get("data", []):
        for item in [attachment, *(attachment.get("subattachments") or {}).get("data", [])]:
            src = ((item.get("media") or {}).get("image") or {}).get("src")
            if src:
                name = _filename_from_url(src, f"{post['id']}-{len(found) + 1}.jpg")
                found.append(InboundAttachment(filename=name, content_type="image/jpeg", url=src))
    return tuple(found)


# ---- Messenger --------------------------------------------------------------------------------


def conversations(response: dict) -> list[dict]:
    """Conversation objects from GET /{page-id}/conversations, GET /{id} or an ?ids= lookup."""
    return graph_objects(response)


def parse_conversations(response: dict) -> list:
    """The messages embedded in conversations fetched with fields=messages{...}."""
    items = []
    for conversation in conversations(response):
        if not conversation.get("id"):
            continue
        messages = conversation.get("messages") or {"data": []}
        items.extend(parse_messages(messages, conversation_id=conversation["id"]))
    return items


def parse_messages(response: dict, *, conversation_id: str) -> list:
    """Messages from GET /{conversation-id}/messages, GET /{message-id} or an ?ids= lookup."""
    return [parse_message(message, conversation_id=conversation_id) for message in graph_objects(response)]


def parse_message(message: dict, *, conversation_id: str) -> Inbound | Unparseable:
    message_id = message.get("id")
    if not message_id:
        return Unparseable(None, "message has no id", message)
    sender = message.get("from") or {}
    if not sender.get("id"):
        return Unparseable(message_id, "message has no sender (request fields=from)", message)
    sent_at = _graph_time(message.get("created_time"))
    if sent_at is None:
        return Unparseable(message_id, "message has no created_time", message)
    return Inbound(
        external_id=message_id,
        kind="messenger",
        thread_key=f"fbm:{conversation_id}",
        author=_author(sender, anonymous_id=message_id),
        sent_at=sent_at,
        text=message.get("message", ""),
        raw=dict(message),
        attachments=tuple(
            _message_attachment(item) for item in (message.get("attachments") or {}).get("data", [])
        ),
        context=_quick_reply(message),
    )


def _quick_reply(message):
    """A tapped quick reply's payload (a webhook's `message.quick_reply.payload`): what the button
    meant, beside the title the customer appears to have typed."""
    payload = (message.get("quick_reply") or {}).get("payload") if isinstance(message, dict) else None
    return {"quick_reply": str(payload)[:1000]} if payload else {}


def _message_attachment(item):
    media = item.get("image_data") or item.get("video_data") or {}
    url = media.get("url") or item.get("file_url") or ""
    name = item.get("name") or item.get("id") or "attachment"
    return InboundAttachment(
        filename=name, content_type=item.get("mime_type") or "application/octet-stream", url=url
    )


# ---- shared -----------------------------------------------------------------------------------

ANONYMOUS_NAME = "Facebook user"


def _author(sender, *, anonymous_id):
    """The author, or a stand-in for one the Graph API hides.

    Without the page token's permission to see people, the Graph API leaves out `from`. Ingest
    still needs one contact per writer, so each anonymous item gets its own "fb-anon:" identity
    (two comments by the same hidden person cannot be told apart and become two contacts).
    """
    sender = sender or {}
    if not sender.get("id"):
        return Author(external_id=f"fb-anon:{anonymous_id}", name=ANONYMOUS_NAME)
    return Author(external_id=sender["id"], name=sender.get("name", ""))


def _graph_time(value):
    # The Graph API writes "2021-08-10T18:45:03+0000"; fromisoformat reads it since Python 3.11.
    try:
        return datetime.fromisoformat(value).astimezone(UTC) if value else None
    except (TypeError, ValueError):
        return None


# ---- errors -----------------------------------------------------------------------------------

# Graph's error-handling guide: 190 (access token expired) and 102 (API session: the token expired,
# was revoked or is invalid) need a new token; 3 (a capability or permission issue), 10 and
# 200-299 (permission not granted or removed) need a permission. An admin must act on all of them.
TOKEN_CODES = {190, 102}
PERMANENT_CODES = {*TOKEN_CODES, 3, 10, *range(200, 300)}
# Application (4, 341: application limit reached), user, page and custom rate limits, and
# business-use-case limits (80001-80014): wait, then call again.
THROTTLED_CODES = {4, 17, 32, 341, 613, *range(80001, 80015)}


@dataclass(frozen=True)
class GraphError:
    code: int | None
    subcode: int | None
    message: str
    permanent: bool
    throttled: bool

    def as_channel_error(self, *, retry_at=None):
        return ChannelError(
            f"Graph API error {self.code}: {self.message}", permanent=self.permanent, retry_at=retry_at
        )


def graph_error(body: dict) -> GraphError:
    """Classify a Graph API error body: permanent (an admin must act), throttled, or transient."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return GraphError(None, None, "unrecognised error response", permanent=False, throttled=False)
    code = _int_or_none(error.get("code"))
    return GraphError(
        code=code,
        subcode=_int_or_none(error.get("error_subcode")),
        message=str(error.get("message", "")),
        permanent=code in PERMANENT_CODES,
        throttled=code in THROTTLED_CODES,
    )


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
