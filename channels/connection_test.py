"""Test connection: ask the channel who we are, and answer the admin in plain words.

A success is the adapter's own sentence ("Connected as @PrairieEGHelp"). A failure is a sentence
saying what happened and what to do, from the channel's explain.py (found through the registry),
and the raw technical detail, which the page folds away under "Details". A test is not a poll:
its words never speak of polling or retrying (that belongs to the health page).
"""

import logging
from dataclasses import dataclass

from .base import ChannelError, TokenExpiry
from .explain import speaks_of_retrying, technical_detail
from .registry import adapter_for, failure_explainer_for

log = logging.getLogger(__name__)

UNEXPECTED = (
    "The test failed in a way OSS Inbox does not recognise — the Details below say what {service} "
    "answered. Check the account's settings, then test again."
)


@dataclass(frozen=True)
class ConnectionTest:
    ok: bool
    sentence: str
    detail: str = ""  # the raw exceptions, for an admin who wants them
    token_expiry: TokenExpiry | None = None  # when the token stops working, if the channel said


def connection_test(account) -> ConnectionTest:
    """1. Run the adapter's check; 2. on failure, explain it for this channel; 3. keep the raw detail;
    4. on success, ask when the token expires, if the channel can say."""
    try:
        adapter = adapter_for(account)
        sentence = adapter.check()
    except ChannelError as error:
        return ConnectionTest(False, failure_sentence(account, error), technical_detail(error))
    return ConnectionTest(True, sentence, token_expiry=token_expiry_asked(adapter))


def token_expiry_asked(adapter):
    """Best effort: a channel that cannot say, or fails to, leaves the saved date as it is."""
    try:
        return adapter.token_expiry()
    except ChannelError as error:
        log.info("Could not learn when %s's token expires: %s", adapter.account, error)
        return None


def failure_sentence(account, error):
    explained = failure_explainer_for(account.kind)(account, error)
    if explained:
        return explained
    said = str(error)
    if error.__cause__ is None and not speaks_of_retrying(said):
        return said  # our own words already: a setting or a secret that is missing
    return UNEXPECTED.format(service=account.get_kind_display())
