"""The mailbox account's fields on the channel account form (channels/forms.py), and their checks.

Every setting is stored as text; channels/email/config.py reads them into numbers and modes.
"""

from channels.account_fields import AccountFields

from .config import IMAP_PORTS, SMTP_PORTS, security_mode

SECURITY_MODES = ("ssl", "starttls", "none")
IMAP_SECURITY = (("ssl", "SSL/TLS"), ("starttls", "STARTTLS"), ("none", "None — password sent unencrypted"))
SMTP_SECURITY = (("starttls", "STARTTLS"), ("ssl", "SSL/TLS"), ("none", "None — password sent unencrypted"))
IN_THE_CLEAR = (
    "None sends the password and the mail unencrypted: only for a mail server on this machine or a "
    "network you trust."
)


def check_settings(settings):
    """Ports are numbers from 1 to 65535; security is one of the choices (empty: the default)."""
    problems = {}
    for name in ("imap_port", "smtp_port"):
        value = settings.get(name)
        if value and not (value.isdigit() and 0 < int(value) < 65536):
            problems[name] = "A port is a number from 1 to 65535."
    for name in ("imap_security", "smtp_security"):
        if settings.get(name) and not security_mode(name, settings[name]):
            problems[name] = "Choose SSL/TLS, STARTTLS or None."
    return problems


def read_choice(name, value):
    """A saved security setting as the form's choice: older free text ("SSL", "TLS") still reads."""
    return security_mode(name, value) or value


ACCOUNT_FIELDS = AccountFields(
    self_id=("Mailbox address", "The address customers write to, e.g. help@utility.example."),
    settings=(
        ("from_name", "Sender name", "Shown to customers, e.g. Prairie Electric & Gas Customer Care."),
        ("imap_host", "IMAP host", ""),
        ("imap_security", "IMAP security", f"SSL/TLS uses port 993, STARTTLS port 143. {IN_THE_CLEAR}"),
        ("imap_port", "IMAP port", "Empty: the port of the security chosen above."),
        ("imap_username", "IMAP username", ""),
        ("imap_folder", "Folder to read", "INBOX when empty."),
        ("processed_folder", "Move processed mail to", "Optional folder; empty leaves mail where it is."),
        (
            "sent_folder",
            "Sent folder",
            "Where the mail server keeps what we send, to check a send that was cut "
            "off. Empty: the folder marked Sent, or one named Sent.",
        ),
        ("smtp_host", "SMTP host", ""),
        ("smtp_security", "SMTP security", f"STARTTLS uses port 587, SSL/TLS port 465. {IN_THE_CLEAR}"),
        ("smtp_port", "SMTP port", "Empty: the port of the security chosen above."),
        ("smtp_username", "SMTP username", ""),
    ),
    credentials=(("imap_password", "IMAP password"), ("smtp_password", "SMTP password")),
    destinations=(
        (("imap_host", "imap_port", "imap_security"), ("imap_password",)),
        (("smtp_host", "smtp_port", "smtp_security"), ("smtp_password",)),
    ),
    check_settings=check_settings,
    choices={"imap_security": IMAP_SECURITY, "smtp_security": SMTP_SECURITY},
    read_choice=read_choice,
    defaults_by_choice={
        "imap_port": ("imap_security", {mode: str(port) for mode, port in IMAP_PORTS.items()}),
        "smtp_port": ("smtp_security", {mode: str(port) for mode, port in SMTP_PORTS.items()}),
    },
)
