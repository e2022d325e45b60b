"""A fake Instagram API (with Instagram Login) on loopback, for tests and `make run`: our real Graph
client talks to it over HTTP, as it would to graph.instagram.com.

    sandbox = InstagramApiSandbox()         # port 0: any free port (tests); a fixed one for `make run`
    base_url = sandbox.start()
    media_id = sandbox.add_media("Storm crews are out tonight")
    sandbox.add_comment(media_id, "6601", "kim.jones", "Any ETA for Oak Ave?")
    sandbox.add_message("6602", "lee.park", "My bill doubled this month")
    sandbox.stop()

Point an instagram ChannelAccount at it with settings["graph_base_url"] = base_url,
self_external_id = sandbox.account_id and credentials["access_token"] = sandbox.token.

It serves what the Instagram adapter reads and writes: GET /me (or /{ig-id}), /{ig-id}/media,
/{media-id}/comments (with `replies{...}` nested), /{comment-id}/replies, /{ig-id}/conversations
(`user_id` finds one person's), /{conversation-id}/messages and any object by id; POST
/{comment-id}/replies, POST /{ig-id}/messages (to `recipient: {id}` within 24 hours of the
person's last message, or 7 days with the HUMAN_AGENT tag; or a private reply to
`recipient: {comment_id}`, once per comment within 7 days) and POST /{comment-id}?hide=true|false.
It shares the Graph sandbox's machinery (graph_api.py): the optional version prefix, `fields`,
`limit` and `after` paging, its faults (`fail_next`, `delay_next`, `revoke_token`...) and `requests`.
"""

import html
import re

from . import instagram_webhooks  # noqa: F401 - registers what the sandbox pushes for Instagram
from .graph_api import Answer, GraphApiSandbox
from .graph_shapes import ApiError, json_or_text, select, split_fields, unsupported
from .instagram_state import InstagramState

DEFAULT_ACCOUNT = {
    "account_id": "17841400000000001",
    "username": "prairie_eg",
    "name": "Prairie Electric & Gas",
}
DEFAULT_TOKEN = "sandbox-instagram-token"
DEFAULT_FIELDS = {
    "ig_user": "id,username",
    "ig_media": "id,caption,timestamp",
    "ig_comment": "id,text,timestamp",
    "ig_conversation": "id,updated_time",
    "ig_message": "id,created_time",
}
COMMENT_LIMIT, DM_LIMIT = 2200, 1000
ROUTES = [
    ("GET", re.compile(r"/([\w.-]+)/media"), "_media"),
    ("GET", re.compile(r"/([\w.-]+)/(?:comments|replies)"), "_comments"),
    ("GET", re.compile(r"/([\w.-]+)/conversations"), "_conversations"),
    ("GET", re.compile(r"/([\w.-]+)/messages"), "_messages"),
    ("GET", re.compile(r"/([\w.-]+)"), "_object"),
    ("POST", re.compile(r"/([\w.-]+)/replies"), "_reply"),
    ("POST", re.compile(r"/([\w.-]+)/messages"), "_send_message"),
    ("POST", re.compile(r"/([\w.-]+)"), "_hide"),
]


class InstagramApiSandbox(GraphApiSandbox):
    def __init__(self, host="127.0.0.1", port=0, token=DEFAULT_TOKEN, app_secret="", **account):
        super().__init__(host=host, port=port, token=token, app_secret=app_secret)
        account = {**DEFAULT_ACCOUNT, **account}
        self.state = InstagramState(account["account_id"], account["username"], account["name"])

    @property
    def account_id(self):
        return self.state.account["id"]

    page_id = account_id  # the Graph sandbox's name for the account it serves

    # ---- the world (see InstagramState) --------------------------------------------------------

    def add_media(self, caption, at=None):
        return self.state.add_media(caption, at=at)

    def add_comment(self, media_id, author_id, username, text, parent_id=None, at=None):
        return self.state.add_comment(media_id, author_id, username, text, parent_id=parent_id, at=at)

    def add_message(self, igsid, username, text, at=None):
        return self.state.add_message(igsid, username, text, at=at)

    # ---- answering -------------------------------------------------------------------------------

    def _route(self, request):
        for method, pattern, handler in ROUTES:
            found = pattern.fullmatch(request["path"])
            if method == request["method"] and found:
                return Answer(200, getattr(self, handler)(request, found.group(1)))
        raise unsupported(request["method"], request["path"].strip("/").split("/")[0])

    def _object(self, request, object_id):
        found = self.state.find(object_id)
        if found is None:
            raise unsupported("GET", object_id)
        kind = "ig_user" if found is self.state.account else self.state.kind_of(object_id)
        return self._select(found, request["query"].get("fields"), kind)

    def _media(self, request, account_id):
        self._require_account(account_id, "GET")
        fields = request["query"].get("fields")
        return self._page(
            request, self.state.media_list(), lambda media: self._select(media, fields, "ig_media")
        )

    def _comments(self, request, object_id):
        if object_id not in self.state.media and object_id not in self.state.comments:
            raise unsupported("GET", object_id)
        fields = request["query"].get("fields")
        comments = self.state.comments_on(object_id)
        return self._page(request, comments, lambda comment: self._select(comment, fields, "ig_comment"))

    def _conversations(self, request, account_id):
        self._require_account(account_id, "GET")
        query = request["query"]
        if query.get("platform") != "instagram":
            raise ApiError(100, "(#100) The platform parameter must be instagram")
        found = self.state.conversation_list(user_id=query.get("user_id"))
        return self._page(request, found, lambda c: self._select(c, query.get("fields"), "ig_conversation"))

    def _messages(self, request, conversation_id):
        if conversation_id not in self.state.conversations:
            raise unsupported("GET", conversation_id)
        fields = request["query"].get("fields")
        found = self.state.messages_in(conversation_id)
        return self._page(request, found, lambda message: self._select(message, fields, "ig_message"))

    def _reply(self, request, comment_id):
        if comment_id not in self.state.comments:
            raise unsupported("POST", comment_id)
        text = self._text(request, "message")
        if len(text) > COMMENT_LIMIT:
            raise ApiError(100, f"(#100) The comment is longer than {COMMENT_LIMIT} characters")
        return {"id": self.state.reply_to_comment(comment_id, text)}

    def _send_message(self, request, account_id):
        """The Instagram messaging API: a direct message, or a private reply to a comment."""
        self._require_account(account_id, "POST")
        body = request["json"] or {key: json_or_text(value) for key, value in request["form"].items()}
        recipient = body.get("recipient") or {}
        text = (body.get("message") or {}).get("text")
        if not text:
            raise ApiError(100, "(#100) param message must be non-empty.")
        if len(text) > DM_LIMIT:
            raise ApiError(
                100, f"(#100) Length of param message[text] must be less than or equal to {DM_LIMIT}"
            )
        if "comment_id" in recipient:
            return self._private_reply(str(recipient["comment_id"]), text)
        igsid = str(recipient.get("id") or "")
        if not igsid or self.state.conversation_of(igsid) is None:
            raise ApiError(100, "(#100) No matching user found", subcode=2018001)
        tag = body.get("tag") if body.get("messaging_type") == "MESSAGE_TAG" else None
        if self.state.window_refusal(igsid, tag=tag):
            raise ApiError(10, "(#10) This message is sent outside of allowed window.", subcode=2534022)
        return {"recipient_id": igsid, "message_id": self.state.send_message(igsid, text)}

    def _private_reply(self, comment_id, text):
        with self.state.lock:  # the check and the reply together: a second private reply is refused
            refusal = self.state.private_reply_refusal(comment_id)
            if refusal:
                code, message, subcode = refusal
                raise ApiError(code, message, subcode=subcode)
            igsid, message_id = self.state.private_reply(comment_id, text)
        return {"recipient_id": igsid, "message_id": message_id}

    def _hide(self, request, comment_id):
        """POST /{comment-id}?hide=true|false: hide a comment from everyone but its author, or show it."""
        if comment_id not in self.state.comments:
            raise unsupported("POST", comment_id)
        hide = request["query"].get("hide") or request["form"].get("hide")
        if hide not in ("true", "false"):
            raise ApiError(100, "(#100) The parameter hide is required (true or false)")
        self.state.hide(comment_id, hide == "true")
        return {"success": True}

    # ---- helpers ---------------------------------------------------------------------------------

    def _select(self, graph_object, spec, kind):
        """`fields` of an object; a media's comments_count and a comment's nested replies{...} are
        worked out when asked for."""
        fields = spec or DEFAULT_FIELDS[kind]
        edges = {}
        if kind == "ig_media":
            edges["comments_count"] = lambda _field: self.state.comment_count(graph_object["id"])
        if kind == "ig_comment":
            edges["replies"] = lambda field: self._nested_replies(graph_object["id"], field)
        return select(graph_object, fields, kind, edges)

    def _nested_replies(self, comment_id, field):
        nested = field.partition("{")[2].rstrip("}") or DEFAULT_FIELDS["ig_comment"]
        replies = self.state.comments_on(comment_id)
        return {"data": [select(reply, ",".join(split_fields(nested)), "ig_comment") for reply in replies]}

    def _text(self, request, name):
        text = request["form"].get(name) or request["query"].get(name) or (request["json"] or {}).get(name)
        if not text:
            raise ApiError(100, f"(#100) The parameter {name} is required")
        return text

    def _require_account(self, object_id, method):
        if object_id not in ("me", self.account_id):
            raise unsupported(method, object_id)

    def page_html(self):
        rows = "".join(
            f"<tr><td>{html.escape(r['kind'])}</td><td>{html.escape(r['to'])}</td><td>{html.escape(r['id'])}</td>"
            f"<td>{html.escape(r['text'])}</td></tr>"
            for r in self.replies
        )
        state = self.state
        who = f"@{state.account['username']} (Instagram account {self.account_id})"
        return (
            f"<!doctype html><title>Instagram API sandbox</title><h1>{html.escape(who)}</h1>"
            f"<p>{len(state.media)} posts, {len(state.comments)} comments, "
            f"{len(state.messages)} direct messages, {len(self.requests)} API calls.</p>"
            f"<h2>Replies received</h2>"
            f"<table><tr><th>Kind</th><th>To</th><th>Id</th><th>Text</th></tr>{rows}</table>"
        )
