"""What a channel asks of an admin on the account form: its settings, its secrets and their checks.

Each channel folder declares one `AccountFields` in `channels/<kind>/forms.py`; the one shared form
(channels/forms.py) builds its fields from it, found through channels.registry. Pure data.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

NUMERIC_ID = re.compile(r"\d{1,30}")


def no_problems(settings: Mapping[str, str]) -> dict[str, str]:
    return {}


def any_id(value: str) -> str:
    return ""


def as_saved(name: str, value: str) -> str:
    return value


def numeric_id(value: str) -> str:
    """X user ids and Facebook Page ids are numbers."""
    return (
        ""
        if NUMERIC_ID.fullmatch(value.strip())
        else "Write the numeric id: digits only, e.g. 104000000000001."
    )


def base_url_problem(value: str) -> str:
    """An API base URL, if given, is a web address: https://host[:port][/path]."""
    if not value:
        return ""
    parts = urlsplit(value.strip())
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:
        return "The port in this address is not a number from 1 to 65535."
    if parts.scheme not in ("https", "http") or not parts.hostname or " " in value.strip():
        return "Write a web address starting with https:// (e.g. https://api.twitter.com), or leave it empty."
    return ""


@dataclass(frozen=True)
class AccountFields:
    # The account's own id on the channel (ChannelAccount.self_external_id): its label and help.
    self_id: tuple[str, str]
    # (name, label, help) per setting; settings are shown again on the form.
    settings: tuple[tuple[str, str, str], ...]
    # (name, label) per secret; secrets are never shown again.
    credentials: tuple[tuple[str, str], ...]
    # Secrets the account may do without: re-entering unreadable credentials does not require them.
    optional_secrets: frozenset[str] = frozenset()
    # Where the account connects (settings) and the secrets it sends there. A change of where needs
    # those secrets again: otherwise an admin could point an account at a server of their choosing
    # and have the saved ones sent to it by the next poll or Test connection.
    destinations: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    # The entered settings (name -> text) -> {setting name: plain words of what is wrong with it}.
    check_settings: Callable[[Mapping[str, str]], dict[str, str]] = no_problems
    # The entered own id -> plain words of what is wrong with it, or "".
    check_self_id: Callable[[str], str] = any_id
    # Settings chosen from a list: name -> ((value, label), ...); the first is the default.
    choices: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # A saved value of such a setting -> the choice it means (older free text: "SSL", "tls"), or "".
    read_choice: Callable[[str, str], str] = as_saved
    # Settings whose default follows a choice: name -> (the chosen setting, {choice: default}); an
    # empty one means that default, and the form shows it (static/js/channel-form.js keeps it in step).
    defaults_by_choice: Mapping[str, tuple[str, Mapping[str, str]]] = field(default_factory=dict)
