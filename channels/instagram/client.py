"""The Graph client (channels/facebook/graph.py) on Instagram's host, speaking of Instagram.

The Instagram API with Instagram Login is the Graph API on graph.instagram.com: the same paths,
paging, error bodies and codes, the same Bearer token header. Only the words differ: its errors
name Instagram and the account's access token, not Facebook and a Page, and its messaging window
has its own subcode.
"""

from channels.base import ChannelError
from channels.facebook.graph import WINDOW_CLOSED as MESSENGER_WINDOW_CLOSED
from channels.facebook.graph import GraphApiError, GraphClient

INSTAGRAM_URL = "https://graph.instagram.com"
# Error 10 with these subcodes: a direct message outside the messaging window (Instagram's own, and
# Messenger's, which Instagram also answers with).
OUTSIDE_MESSAGING_WINDOW = {2534022, 2018278}
WINDOW_CLOSED = (
    "Instagram lets an account answer a direct message only within 24 hours of the customer's last "
    "message (7 days for a reply by a person, with the human-agent tag), so this reply was not sent: "
    "ask the customer to message us."
)
# Facebook's words in graph.py -> Instagram's, longest first.
WORDS = (
    ("the Page access token", "the access token"),
    ("reconnect the Page", "reconnect the Instagram account (a new token from Instagram Login)"),
    ("for this Page", "for this Instagram account"),
    ("Facebook", "Instagram"),
)


class InstagramClient(GraphClient):
    """GET and POST on graph.instagram.com with an Instagram User access token."""

    def __init__(self, *, access_token, base_url=INSTAGRAM_URL, version, timeout=20.0):
        # No appsecret_proof: calls are authorised by the token alone; the app secret checks webhooks.
        super().__init__(
            access_token=access_token, base_url=base_url or INSTAGRAM_URL, version=version, timeout=timeout
        )

    def get(self, path, **params):
        try:
            return super().get(path, **params)
        except ChannelError as error:
            raise in_instagram_words(error) from error.__cause__

    def pages(self, path, **params):
        try:
            yield from super().pages(path, **params)
        except ChannelError as error:
            raise in_instagram_words(error) from error.__cause__

    def post(self, path, *, data=None, json_body=None):
        try:
            return super().post(path, data=data, json_body=json_body)
        except ChannelError as error:
            raise in_instagram_words(error) from error.__cause__


def in_instagram_words(error):
    """The same error (its class, permanence, retry time and Graph codes kept), said of Instagram."""
    if isinstance(error, GraphApiError) and (
        (error.code == 10 and error.subcode in OUTSIDE_MESSAGING_WINDOW)
        or str(error) == MESSENGER_WINDOW_CLOSED
    ):
        error.args = (WINDOW_CLOSED,)
        error.permanent = True
        return error
    text = str(error)
    for facebook, instagram in WORDS:
        text = text.replace(facebook, instagram)
    error.args = (text,)
    return error
