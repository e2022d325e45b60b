"""The Instagram sandbox's webhooks: what Meta pushes for a comment on the account's media and for a
direct message, in the Instagram API with Instagram Login's shape (channels/instagram/webhook.py
reads them), registered with the sandbox's sender (webhooks.py) for the kinds "ig_comment" and
"ig_dm". Signed like every Meta webhook, with the app secret.
"""

import time

from .webhooks import body_for


@body_for("ig_comment", "meta")
def instagram_comment(servers, comment_id):
    state = servers.instagram.state
    with state.lock:
        comment = state.comments[comment_id]
        value = {
            "from": {"id": comment["from"]["id"], "username": comment["from"]["username"]},
            "media": {"id": comment["_media"], "media_product_type": "FEED"},
            "id": comment["id"],
            "text": comment["text"],
        }
        if comment.get("parent_id"):
            value["parent_id"] = comment["parent_id"]
        account_id = state.account["id"]
    entry = {"id": account_id, "time": int(time.time()), "changes": [{"field": "comments", "value": value}]}
    return {"object": "instagram", "entry": [entry]}


@body_for("ig_dm", "meta")
def instagram_message(servers, message_id):
    state = servers.instagram.state
    with state.lock:
        message = state.messages[message_id]
        sent = int(message["_at"].timestamp() * 1000)
        event = {
            "sender": {"id": message["from"]["id"]},
            "recipient": {"id": state.account["id"]},
            "timestamp": sent,
            "message": {"mid": message["id"], "text": message["message"]},
        }
        account_id = state.account["id"]
    return {"object": "instagram", "entry": [{"id": account_id, "time": sent, "messaging": [event]}]}
