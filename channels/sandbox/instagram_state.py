"""The fake Instagram API's world: one professional account, its media, their comments, its direct
messages and what the app did through the API.

Objects are kept in the Instagram API's own shapes (numeric ids, "from": {"id", "username"},
"timestamp" / "created_time" as "2026-12-07T18:45:03+0000"), plus private keys starting with "_"
that are never served. Thread-safe: the HTTP handlers and the test (or simulator) share one
instance under one lock.
"""

import base64
import itertools
import threading
from datetime import UTC, datetime, timedelta

from .graph_state import graph_time

MESSAGING_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)


class InstagramState:
    def __init__(self, account_id, username, name):
        self.lock = threading.RLock()
        self.account = {"id": account_id, "user_id": account_id, "username": username, "name": name}
        self.media, self.comments = {}, {}
        self.conversations, self.messages = {}, {}  # conversations by id; each names its person
        self.replies = []  # what the app posted through the API, oldest first
        self.hidden_changes = []  # (comment id, hidden) in the order the app asked
        self.privately_answered = set()
        self._numbers = itertools.count(17_900_000_000_000_001)  # ids sort as strings in order made

    @property
    def me(self):
        return {"id": self.account["id"], "username": self.account["username"]}

    # ---- the world, as tests and the simulator change it ----------------------------------------

    def add_media(self, caption, at=None):
        """A post of the account's (a photo), which customers comment on."""
        with self.lock:
            number = self._next()
            media_id = str(number)
            self.media[media_id] = {
                "id": media_id,
                "caption": caption,
                "media_type": "IMAGE",
                "media_product_type": "FEED",
                "timestamp": graph_time(self._at(at)),
                "permalink": f"https://www.instagram.com/p/SBX{number}/",
                "username": self.account["username"],
                "_at": self._at(at),
                "_seq": number,
            }
            return media_id

    def add_comment(self, media_id, author_id, username, text, parent_id=None, at=None):
        """A comment on a media, or a reply when `parent_id` is given (Instagram nests one level deep:
        a reply to a reply joins the top-level comment)."""
        with self.lock:
            media = self.media[media_id]
            top = self.comments[self.comments[parent_id]["_top"]] if parent_id else None
            number = self._next()
            comment_id = str(number)
            comment = {
                "id": comment_id,
                "text": text,
                "timestamp": graph_time(self._at(at)),
                "from": {"id": author_id, "username": username},
                "username": username,
                "media": {"id": media["id"], "media_product_type": "FEED"},
                "hidden": False,
                "like_count": 0,
                "_media": media_id,
                "_top": top["id"] if top else comment_id,
                "_at": self._at(at),
                "_seq": number,
            }
            if top:
                comment["parent_id"] = top["id"]
            self.comments[comment_id] = comment
            return comment_id

    def add_message(self, igsid, username, text, at=None):
        """A customer's direct message to the account; opens their conversation if it is the first."""
        with self.lock:
            conversation = self._conversation_of(igsid) or self._open_conversation(igsid, username)
            person = {"id": igsid, "username": username}
            return self._add_message(conversation, person, self.me, text, self._at(at))

    # ---- what the app does through the API -------------------------------------------------------

    def reply_to_comment(self, comment_id, text):
        """POST /{comment-id}/replies by the account: joins the comment's top-level thread."""
        with self.lock:
            target = self.comments[comment_id]
            reply_id = self.add_comment(
                target["_media"], self.account["id"], self.account["username"], text, parent_id=comment_id
            )
            self.replies.append({"kind": "comment", "to": comment_id, "id": reply_id, "text": text})
            return reply_id

    def send_message(self, igsid, text):
        with self.lock:
            conversation = self._conversation_of(igsid)
            person = {"id": igsid, "username": conversation["_username"]}
            message_id = self._add_message(conversation, self.me, person, text, self._at(None))
            self.replies.append({"kind": "dm", "to": igsid, "id": message_id, "text": text})
            return message_id

    def private_reply_refusal(self, comment_id, now=None):
        """Why Instagram would refuse a private reply to this comment: (code, message, subcode), or None."""
        with self.lock:
            comment = self.comments.get(comment_id)
            if comment is None or comment["from"]["id"] == self.account["id"]:
                return 100, "(#100) Invalid comment_id parameter", None
            if comment_id in self.privately_answered:
                return 10900, "Activity already replied to", None
            if (now or datetime.now(UTC)) - comment["_at"] > PRIVATE_REPLY_WINDOW:
                return 10903, "This activity can't be replied to", None
            return None

    def private_reply(self, comment_id, text):
        """A direct message to a comment's author, linked to the comment: (their IGSID, its id)."""
        with self.lock:
            author = self.comments[comment_id]["from"]
            conversation = self._conversation_of(author["id"]) or self._open_conversation(
                author["id"], author["username"]
            )
            message_id = self._add_message(conversation, self.me, author, text, self._at(None))
            self.privately_answered.add(comment_id)
            self.replies.append({"kind": "private reply", "to": comment_id, "id": message_id, "text": text})
            return author["id"], message_id

    def hide(self, comment_id, hidden):
        with self.lock:
            self.comments[comment_id]["hidden"] = hidden
            self.hidden_changes.append((comment_id, hidden))

    def window_refusal(self, igsid, tag=None, now=None):
        """Why a direct message to this person would be refused now, or "": 24 hours after their last
        message, or 7 days with the HUMAN_AGENT tag."""
        with self.lock:
            conversation = self._conversation_of(igsid)
            theirs = [
                self.messages[message_id]["_at"]
                for message_id in conversation["_messages"]
                if self.messages[message_id]["from"]["id"] == igsid
            ]
            since = (now or datetime.now(UTC)) - max(theirs) if theirs else None
            window = HUMAN_AGENT_WINDOW if tag == "HUMAN_AGENT" else MESSAGING_WINDOW
            return "" if since is not None and since <= window else "outside of allowed window"

    # ---- reads the endpoints serve, newest first -------------------------------------------------

    def media_list(self):
        with self.lock:
            return _newest_first(self.media.values())

    def comments_on(self, object_id):
        """A media's top-level comments, or a comment's replies, newest first."""
        with self.lock:
            if object_id in self.media:
                found = [
                    c for c in self.comments.values() if c["_media"] == object_id and "parent_id" not in c
                ]
            else:
                found = [c for c in self.comments.values() if c.get("parent_id") == object_id]
            return _newest_first(found)

    def comment_count(self, media_id):
        with self.lock:
            return sum(1 for comment in self.comments.values() if comment["_media"] == media_id)

    def conversation_list(self, user_id=None):
        with self.lock:
            found = [c for c in self.conversations.values() if user_id in (None, c["_igsid"])]
            return sorted(found, key=lambda c: (c["_updated"], c["_seq"]), reverse=True)

    def messages_in(self, conversation_id):
        with self.lock:
            return _newest_first([self.messages[m] for m in self.conversations[conversation_id]["_messages"]])

    def conversation_of(self, igsid):
        with self.lock:
            return self._conversation_of(igsid)

    def find(self, object_id):
        with self.lock:
            if object_id in ("me", self.account["id"]):
                return self.account
            for table in (self.media, self.comments, self.conversations, self.messages):
                if object_id in table:
                    return table[object_id]
            return None

    def kind_of(self, object_id):
        with self.lock:
            tables = [
                ("ig_media", self.media),
                ("ig_comment", self.comments),
                ("ig_conversation", self.conversations),
                ("ig_message", self.messages),
            ]
            return next((kind for kind, table in tables if object_id in table), "ig_user")

    def item_ids(self):
        """Ids of everything a poll should turn into a message: comments and direct messages."""
        with self.lock:
            return set(self.comments) | set(self.messages)

    # ---- inside ---------------------------------------------------------------------------------

    def _next(self):
        return next(self._numbers)

    def _at(self, at):
        return (at or datetime.now(UTC)).replace(microsecond=0)

    def _conversation_of(self, igsid):
        return next((c for c in self.conversations.values() if c["_igsid"] == igsid), None)

    def _open_conversation(self, igsid, username):
        number = self._next()
        conversation = {
            "id": _opaque_id("ig_conversation", number),
            "_igsid": igsid,
            "_username": username,
            "_messages": [],
            "_updated": None,
            "_seq": number,
        }
        self.conversations[conversation["id"]] = conversation
        return conversation

    def _add_message(self, conversation, sender, recipient, text, at):
        number = self._next()
        message_id = _opaque_id("ig_message", number)
        self.messages[message_id] = {
            "id": message_id,
            "message": text,
            "created_time": graph_time(at),
            "from": sender,
            "to": {"data": [recipient]},
            "_at": at,
            "_seq": number,
        }
        conversation["_messages"].append(message_id)
        if conversation["_updated"] is None or at > conversation["_updated"]:
            conversation["_updated"] = at
            conversation["updated_time"] = graph_time(at)
        return message_id


def _opaque_id(kind, number):
    """Instagram's conversation and message ids are opaque base64 text ("aWdfZA...")."""
    return base64.urlsafe_b64encode(f"{kind}:{number}".encode()).decode().rstrip("=")


def _newest_first(graph_objects):
    return sorted(graph_objects, key=lambda item: (item["_at"], item["_seq"]), reverse=True)
