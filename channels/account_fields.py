"""What a channel asks of an admin on the account form: its settings, its secrets and their checks.

Each channel folder declares one `AccountFields` in `channels/<kind>/forms.py`; the one shared form
(channels/forms.py) builds its fields from it, found through channels.registry. Pure data.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass


def no_problems(settings: Mapping[str, str]) -> dict[str, str]:
    return {}


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
