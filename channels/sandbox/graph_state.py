"""The fake Graph API's world: one Page, its feed, comments, Messenger conversations and our replies.

Objects are kept in Graph's own shapes (ids, "from", "created_time" as "2021-08-10T18:45:03+0000",
permalinks), plus private keys starting with "_" that are never served. Thread-safe: the HTTP
handlers and the test (or simulator) share one instance under one lock.
"""

import itertools
import threading
from datetime import UTC, datetime, timedelta

GRAPH_TIME = "%Y-%m-%dT%H:%M:%S+0000"
MESSAGING_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)  # a message tagged HUMAN_AGENT (channels/send_rules.py)
PRIVATE_REPLY_WINDOW = timedelta(days=7)


def graph_time(moment):
    return moment.astimezone(UTC).strftime(GRAPH_TIME)


def public(graph_object):
    return {key: value for key, value in graph_object.items() if not key.startswith("_")}


class GraphState:
    def __init__(self, page_id, page_name):
        self.lock = threading.RLock()
        self.page = {"id": page_id, "name": page_name}
        self.posts, self.comments = {}, {}
        self.conversations, self.messages = {}, {}
        self.replies = []  # what the app posted through the API, oldest first
        self.privately_answered = set()  # comments and posts that got their one private reply
        self.hidden_changes = []  # what the app hid or showed again (is_hidden), oldest first
        # Fixed-width numbers: ids sort as strings in the order they were made.
        self._numbers = itertools.count(10**15 + 1)

    @property
    def page_from(self):
        return {"id": self.page["id"], "name": self.page["name"]}

    # ---- the world, as tests and the simulator change it ----------------------------------------

    def add_post(self, text, from_page=True, author=None, at=None):
        """A post on the Page's feed, by the Page or (from_page=False) by a visitor `author`: (id, name) or a
        dict."""
        with self.lock:
            number = self._next()
            post_id = f"{self.page['id']}_{number}"
            self.posts[post_id] = {
                "id": post_id,
                "message": text,
                "created_time": graph_time(self._at(at)),
                "from": self.page_from if from_page else _person(author),
                "permalink_url": f"https://www.facebook.com/{self.page['id']}/posts/{number}/",
                "_at": self._at(at),
                "_seq": number,
            }
            return post_id

    def adopt_post(self, object_id):
        """Take an id the sandbox never issued for a Page post (lenient mode), so it can be answered."""
        with self.lock:
            number = self._next()
            self.posts[object_id] = {
                "id": object_id,
                "message": "",
                "created_time": graph_time(self._at(None)),
                "from": self.page_from,
                "permalink_url": f"https://www.facebook.com/{self.page['id']}/posts/{number}/",
                "_at": self._at(None),
                "_seq": number,
            }

    def add_comment(self, post_id, author_id, name, text, parent_id=None, at=None):
        """A comment on a post, or a reply when `parent_id` is given (Facebook nests one level deep)."""
        with self.lock:
            post = self.posts[post_id]
            parent = self.comments[parent_id] if parent_id else None
            top = self.comments[parent["_top"]] if parent else None
            number = self._next()
            comment_id = f"{post['_seq']}_{number}"
            permalink = f"{post['permalink_url']}?comment_id={(top or {}).get('_number', number)}"
            comment = {
                "id": comment_id,
                "message": text,
                "created_time": graph_time(self._at(at)),
                "from": {"id": author_id, "name": name},
                "permalink_url": permalink + (f"&reply_comment_id={number}" if top else ""),
                "_post": post_id,
                "_top": top["id"] if top else comment_id,
                "_number": number,
                "_at": self._at(at),
                "_seq": number,
            }
            if top:
                comment["parent"] = {"id": top["id"]}
            self.comments[comment_id] = comment
            return comment_id

    def add_messenger_message(self, psid, name, text, at=None):
        """A customer's Messenger message to the Page; opens their conversation if it is the first."""
        with self.lock:
            conversation = self._conversation_of(psid) or self._open_conversation(psid, name)
            person = {"id": psid, "name": name}
            return self._add_message(conversation, person, self.page_from, text, self._at(at))

    # ---- what the app does through the API ---------------------------------------------------

    def page_comment(self, object_id, text):
        """POST /{post-or-comment-id}/comments by the Page; a reply to a reply joins the top comment."""
        with self.lock:
            if object_id in self.posts:
                comment_id = self.add_comment(object_id, self.page["id"], self.page["name"], text)
            else:
                target = self.comments[object_id]
                comment_id = self.add_comment(
                    target["_post"], self.page["id"], self.page["name"], text, target["_top"]
                )
            self.replies.append({"kind": "comment", "to": object_id, "id": comment_id, "text": text})
            return comment_id

    def page_message(self, psid, text):
        """Send API: the Page answers a customer in their conversation."""
        with self.lock:
            conversation = self._conversation_of(psid)
            person = {"id": psid, "name": conversation["_name"]}
            message_id = self._add_message(conversation, self.page_from, person, text, self._at(None))
            self.replies.append({"kind": "messenger", "to": psid, "id": message_id, "text": text})
            return message_id

    def private_reply_refusal(self, object_id):
        """Why Facebook would refuse a private reply to this comment or post: (code, message, subcode), or
        None."""
        with self.lock:
            found = self.comments.get(object_id) or self.posts.get(object_id)
            if found is None or found["from"]["id"] == self.page["id"]:
                return 100, "(#100) Invalid comment_id parameter", 2018292
            if object_id in self.privately_answered:
                return 10900, "Activity already replied to", None
            if datetime.now(UTC) - found["_at"] > PRIVATE_REPLY_WINDOW:
                return 10903, "This activity can't be replied to", None
            return None

    def private_reply(self, object_id, text):
        """Send API with recipient comment_id/post_id: a Messenger message to its author; (their psid, its
        id)."""
        with self.lock:
            found = self.comments.get(object_id) or self.posts.get(object_id)
            author = found["from"]
            conversation = self._conversation_of(author["id"]) or self._open_conversation(
                author["id"], author["name"]
            )
            message_id = self._add_message(conversation, self.page_from, author, text, self._at(None))
            self.privately_answered.add(object_id)
            if object_id in self.comments:  # Graph names the conversation on the comment, not on a post
                found["private_reply_conversation"] = {"id": conversation["id"]}
            self.replies.append({"kind": "private reply", "to": object_id, "id": message_id, "text": text})
            return author["id"], message_id

    def set_hidden(self, object_id, hidden):
        """POST /{comment-or-post} with is_hidden: a customer's comment or visitor post hidden from
        everyone but its author (or shown again). The refusal as (code, message), or None."""
        with self.lock:
            found = self.comments.get(object_id) or self.posts.get(object_id)
            if found is None:
                return 100, f"(#100) Object with ID '{object_id}' does not exist or cannot be hidden"
            if found["from"]["id"] == self.page["id"]:
                return 100, "(#100) A Page cannot hide its own posts and comments this way"
            found["is_hidden"] = hidden
            self.hidden_changes.append({"id": object_id, "is_hidden": hidden})
            return None

    def conversation_of(self, psid):
        with self.lock:
            return self._conversation_of(psid)

    def outside_messaging_window(self, psid, now=None, window=MESSAGING_WINDOW):
        """True when the customer's last message is older than Messenger's 24-hour answer window (or
        `window`: 7 days for a message with the human-agent tag)."""
        with self.lock:
            conversation = self._conversation_of(psid)
            messages = [self.messages[message_id] for message_id in conversation["_messages"]]
            theirs = [message["_at"] for message in messages if message["from"]["id"] == psid]
            return not theirs or (now or datetime.now(UTC)) - max(theirs) > window

    # ---- reads the endpoints serve, newest first unless asked otherwise ------------------------

    def feed(self, since=None, until=None, own_only=False):
        with self.lock:
            posts = [
                post
                for post in self.posts.values()
                if (since is None or post["_at"].timestamp() >= since)
                and (until is None or post["_at"].timestamp() <= until)
                and (not own_only or post["from"]["id"] == self.page["id"])
            ]
            return _newest_first(posts)

    def comments_on(self, object_id, stream=False, reverse=False):
        """A post's top-level comments (all of them with stream), or a comment's replies; oldest first by
        default."""
        with self.lock:
            if object_id in self.posts:
                found = [
                    c
                    for c in self.comments.values()
                    if c["_post"] == object_id and (stream or "parent" not in c)
                ]
            else:
                found = [c for c in self.comments.values() if (c.get("parent") or {}).get("id") == object_id]
            found = _newest_first(found)
            return found if reverse else found[::-1]

    def conversation_list(self, user_id=None):
        """The Page's conversations, most recently updated first; with `user_id`, only that person's."""
        with self.lock:
            found = [c for c in self.conversations.values() if user_id in (None, c["_psid"])]
            return sorted(found, key=lambda c: (c["_updated"], c["_seq"]), reverse=True)

    def messages_in(self, conversation_id):
        with self.lock:
            conversation = self.conversations[conversation_id]
            return _newest_first([self.messages[m] for m in conversation["_messages"]])

    def find(self, object_id):
        with self.lock:
            if object_id == self.page["id"]:
                return self.page
            for table in (self.posts, self.comments, self.conversations, self.messages):
                if object_id in table:
                    return table[object_id]
            return None

    def kind_of(self, object_id):
        with self.lock:
            tables = [("post", self.posts), ("comment", self.comments), ("conversation", self.conversations)]
            found = next((kind for kind, table in tables if object_id in table), None)
            return found or ("message" if object_id in self.messages else "page")

    def item_ids(self):
        """Ids of everything a poll should turn into a message: visitor posts, comments, Messenger
        messages."""
        with self.lock:
            visitor_posts = [p for p, post in self.posts.items() if post["from"]["id"] != self.page["id"]]
            return set(visitor_posts) | set(self.comments) | set(self.messages)

    # ---- inside ---------------------------------------------------------------------------------

    def _next(self):
        return next(self._numbers)

    def _at(self, at):
        return (at or datetime.now(UTC)).replace(microsecond=0)

    def _conversation_of(self, psid):
        return next((c for c in self.conversations.values() if c["_psid"] == psid), None)

    def _open_conversation(self, psid, name):
        number = self._next()
        conversation = {
            "id": f"t_{number}",
            "link": f"/{self.page['id']}/inbox/{number}/",
            # As the Graph API lists them (fields=participants): the customer, then the Page.
            "participants": {"data": [{"id": psid, "name": name}, dict(self.page)]},
            "_psid": psid,
            "_name": name,
            "_messages": [],
            "_updated": None,
            "_seq": number,
        }
        self.conversations[conversation["id"]] = conversation
        return conversation

    def _add_message(self, conversation, sender, recipient, text, at):
        number = self._next()
        message_id = f"m_{number}"
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
        conversation["message_count"] = len(conversation["_messages"])
        return message_id


def _person(author):
    if isinstance(author, dict):
        return {"id": str(author["id"]), "name": author.get("name", "")}
    if author is None:
        raise ValueError("a visitor post needs an author: (id, name)")
    author_id, name = author
    return {"id": str(author_id), "name": name}


def _newest_first(graph_objects):
    return sorted(graph_objects, key=lambda item: (item["_at"], item["_seq"]), reverse=True)
