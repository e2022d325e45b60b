"""Which adapter class serves which kind of channel account."""

from importlib import import_module

ADAPTERS = {
    "twitter": "channels.twitter.adapter.TwitterAdapter",
    "facebook": "channels.facebook.adapter.FacebookAdapter",
    "email": "channels.email.adapter.EmailAdapter",
}


def adapter_for(account):
    if account.credentials_unreadable:
        from .base import UnreadableCredentialsAdapter

        return UnreadableCredentialsAdapter(account)
    module_name, class_name = ADAPTERS[account.kind].rsplit(".", 1)
    return getattr(import_module(module_name), class_name)(account)
