"""How a reply leaves through its channel: the channels layer's part of the one outbox.

The outbox (oss_inbox.tickets.services.outbox) owns the delivery states and their rules (claim,
retries, the sweeper, an unknown send never repeated blindly); this says how a reply is sent and
how an unknown one is looked up, each through the account's adapter. Connected when the app is
ready (channels.apps).
"""

from oss_inbox.tickets.services.delivery import reply_outbox_connect

from .registry import adapter_for


def reply_send(message):
    return adapter_for(message.account).send(message)


def reply_look_up(message):
    return adapter_for(message.account).reconcile(message)


def connect():
    reply_outbox_connect(send=reply_send, look_up=reply_look_up)
