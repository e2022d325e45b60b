"""Every kind of channel account: its adapter, its spec and its account form fields, by kind.

Adding a channel is its folder (channels/<kind>/) and one line in each mapping below. Specs and form
fields are pure, so they are imported here at once, and this module loads no adapter and no model:
the ticket layer reads the private-reply kinds from it. Adapters are imported when first used.
"""

from importlib import import_module

from .account_fields import AccountFields
from .base import UnreadableCredentialsAdapter
from .email import forms as email_forms
from .email import spec as email_spec
from .facebook import forms as facebook_forms
from .facebook import spec as facebook_spec
from .instagram import forms as instagram_forms
from .instagram import spec as instagram_spec
from .spec import ChannelSpec, ThreadChannel
from .twitter import forms as twitter_forms
from .twitter import spec as twitter_spec

ADAPTERS = {
    "twitter": "channels.twitter.adapter.TwitterAdapter",
    "facebook": "channels.facebook.adapter.FacebookAdapter",
    "email": "channels.email.adapter.EmailAdapter",
    "instagram": "channels.instagram.adapter.InstagramAdapter",
}
SPECS = {
    spec.kind: spec for spec in (twitter_spec.SPEC, facebook_spec.SPEC, email_spec.SPEC, instagram_spec.SPEC)
}
# Each kind's words for a failed Test connection (channels/<kind>/explain.py), imported when first used.
FAILURE_EXPLAINERS = {
    "twitter": "channels.twitter.explain.explain_failed_test",
    "facebook": "channels.facebook.explain.explain_failed_test",
    "email": "channels.email.explain.explain_failed_test",
    "instagram": "channels.instagram.explain.explain_failed_test",
}
ACCOUNT_FORMS = {
    "twitter": twitter_forms.ACCOUNT_FIELDS,
    "facebook": facebook_forms.ACCOUNT_FIELDS,
    "email": email_forms.ACCOUNT_FIELDS,
    "instagram": instagram_forms.ACCOUNT_FIELDS,
}


def adapter_for(account):
    if account.credentials_unreadable:
        return UnreadableCredentialsAdapter(account)
    module_name, class_name = ADAPTERS[account.kind].rsplit(".", 1)
    return getattr(import_module(module_name), class_name)(account)


def failure_explainer_for(kind):
    """(account, ChannelError) -> what a failed Test connection says, or "" to keep the error's words."""
    module_name, function_name = FAILURE_EXPLAINERS[kind].rsplit(".", 1)
    return getattr(import_module(module_name), function_name)


def spec_for(kind: str) -> ChannelSpec:
    """The spec of a kind of channel account ("twitter"); KeyError for a kind nobody registered."""
    return SPECS[kind]


def all_specs() -> tuple[ChannelSpec, ...]:
    return tuple(SPECS.values())


def spec_of_message_kind(message_kind: str) -> ChannelSpec | None:
    """The channel that produces messages of this kind ("mention" -> X), or None ("note", "")."""
    return next((spec for spec in SPECS.values() if message_kind in spec.message_kinds), None)


def channel_of_thread_key(thread_key: str) -> ThreadChannel | None:
    """The conversation's channel as agents name it ("xdm:..." -> X DM), or None for an unknown prefix."""
    for spec in SPECS.values():
        thread = spec.thread_channel(thread_key)
        if thread is not None:
            return thread
    return None


def thread_channel_words(thread_key: str) -> tuple[str, str]:
    """(slug, label) of the conversation's channel, ("", "Other") for an unknown prefix: no query."""
    thread = channel_of_thread_key(thread_key)
    return (thread.slug, thread.label) if thread else ("", "Other")


def private_reply_kinds() -> dict[str, str]:
    """Every channel's answered kind -> the kind of a private reply to it ({"mention": "dm", ...})."""
    return {kind: private for spec in SPECS.values() for kind, private in spec.private_replies.items()}


def account_form_fields(kind: str) -> AccountFields:
    """What the account form asks for an account of this kind (channels/<kind>/forms.py)."""
    return ACCOUNT_FORMS[kind]
