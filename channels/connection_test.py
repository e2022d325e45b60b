"""Test connection: ask the channel who we are, and answer the admin in plain words.

A success is the adapter's own sentence ("Connected as @PrairieEGHelp"). A failure is a sentence
saying what happened and what to do, from the channel's explain.py (found through the registry),
and the raw technical detail, which the page folds away under "Details". A test is not a poll:
its words never speak of polling or retrying (that belongs to the health page).
"""

from dataclasses import dataclass

from .base import ChannelError
from .explain import speaks_of_retrying, technical_detail
from .registry import adapter_for, failure_explainer_for

UNEXPECTED = (
    "The test failed in a way OSS Inbox does not recognise — the Details below say what {service} "
    "answered. Check the account's settings, then test again."
)


@dataclass(frozen=True)
class ConnectionTest:
    ok: bool
    sentence: str
    detail: str = ""  # the raw exceptions, for an admin who wants them


def connection_test(account) -> ConnectionTest:
    """1. Run the adapter's check; 2. on failure, explain it for this channel; 3. keep the raw detail."""
    try:
        return ConnectionTest(True, adapter_for(account).check())
    except ChannelError as error:
        return ConnectionTest(False, failure_sentence(account, error), technical_detail(error))


def failure_sentence(account, error):
    explained = failure_explainer_for(account.kind)(account, error)
    if explained:
        return explained
    said = str(error)
    if error.__cause__ is None and not speaks_of_retrying(said):
        return said  # our own words already: a setting or a secret that is missing
    return UNEXPECTED.format(service=account.get_kind_display())
