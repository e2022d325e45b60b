"""An email account's settings, read once and checked: what the IMAP and SMTP clients need.

The in-app form (channels/forms.py) stores every setting as text; here they become numbers and
choices, and a wrong one is a permanent ChannelError that names the setting, so an admin knows
what to fix.
"""

from dataclasses import dataclass

from channels.base import ChannelError

SECURITY_CHOICES = ("ssl", "starttls", "none")
# What admins typed when security was free text, read as the choice it meant.
SECURITY_ALIASES = {
    "ssl": "ssl",
    "tls": "ssl",
    "ssl/tls": "ssl",
    "implicit tls": "ssl",
    "starttls": "starttls",
    "start_tls": "starttls",
    "start-tls": "starttls",
    "none": "none",
    "plain": "none",
    "no": "none",
}
DEFAULT_SECURITY = {"imap_security": "ssl", "smtp_security": "starttls"}
IMAP_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
SMTP_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
DEFAULT_TIMEOUT_SECONDS = 30
DEFAULT_FIRST_POLL_DAYS = 7
DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024
# Mail read and stored at a time by a poll (imap.py): what a worker holds in memory.
DEFAULT_BATCH_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    security: str
    username: str
    password: str
    folder: str
    processed_folder: str
    timeout: float
    first_poll_days: int
    max_message_bytes: int
    batch_bytes: int


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str
    username: str
    password: str
    timeout: float


def imap_config(account) -> ImapConfig:
    settings = account.settings
    security = _security(settings, "imap_security", default="ssl")
    return ImapConfig(
        host=_required(settings, "imap_host", "IMAP host"),
        port=_number(settings, "imap_port", IMAP_PORTS[security]),
        security=security,
        username=_text(settings, "imap_username") or account.self_external_id,
        password=account.credentials.get("imap_password", ""),
        folder=_text(settings, "imap_folder") or "INBOX",
        processed_folder=_text(settings, "processed_folder"),
        timeout=_number(settings, "timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
        first_poll_days=_number(settings, "first_poll_days", DEFAULT_FIRST_POLL_DAYS),
        max_message_bytes=_number(settings, "max_message_bytes", DEFAULT_MAX_MESSAGE_BYTES),
        batch_bytes=_number(settings, "batch_bytes", DEFAULT_BATCH_BYTES),
    )


def smtp_config(account) -> SmtpConfig:
    settings = account.settings
    security = _security(settings, "smtp_security", default="starttls")
    return SmtpConfig(
        host=_required(settings, "smtp_host", "SMTP host"),
        port=_number(settings, "smtp_port", SMTP_PORTS[security]),
        security=security,
        username=_text(settings, "smtp_username"),
        password=account.credentials.get("smtp_password", ""),
        timeout=_number(settings, "timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
    )


def _text(settings, name):
    return str(settings.get(name) or "").strip()


def _required(settings, name, label):
    value = _text(settings, name)
    if not value:
        raise ChannelError(f"The email account has no {label} — an admin must set it.", permanent=True)
    return value


def _number(settings, name, default):
    value = _text(settings, name)
    if not value:
        return default
    if not value.isdigit() or int(value) == 0:
        raise ChannelError(
            f"The email setting {name} is {value!r}, not a positive number — an admin must correct it.",
            permanent=True,
        )
    return int(value)


def security_mode(name, value):
    """A saved security setting as one of SECURITY_CHOICES: empty is the default, older free text
    ("SSL", "TLS", "STARTTLS") the choice it meant; "" for text that is none of them."""
    text = str(value or "").strip().lower()
    if not text:
        return DEFAULT_SECURITY[name]
    return SECURITY_ALIASES.get(text, "")


def _security(settings, name, *, default):
    value = security_mode(name, settings.get(name)) if settings.get(name) else default
    if not value:
        raise ChannelError(
            f"The email setting {name} is {settings.get(name)!r}; an admin must choose SSL/TLS, STARTTLS or "
            "None.",
            permanent=True,
        )
    return value
