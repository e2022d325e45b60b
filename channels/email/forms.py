"""The mailbox account's fields on the channel account form (channels/forms.py), and their checks.

Every setting is stored as text; channels/email/config.py reads them into numbers and modes.
"""

from channels.account_fields import AccountFields

SECURITY_MODES = ("ssl", "starttls", "none")


def check_settings(settings):
    """Ports are numbers from 1 to 65535; security is ssl, starttls or none (empty: the default)."""
    problems = {}
    for name in ("imap_port", "smtp_port"):
        value = settings.get(name)
        if value and not (value.isdigit() and 0 < int(value) < 65536):
            problems[name] = "A port is a number from 1 to 65535."
    for name in ("imap_security", "smtp_security"):
        if settings.get(name) and settings[name] not in SECURITY_MODES:
            problems[name] = "Choose ssl, starttls or none."
    return problems


ACCOUNT_FIELDS = AccountFields(
    self_id=("Mailbox address", "The address customers write to, e.g. help@utility.example."),
    settings=(
        ("from_name", "Sender name", "Shown to customers, e.g. Prairie Electric & Gas Customer Care."),
        ("imap_host", "IMAP host", ""),
        ("imap_port", "IMAP port", "993 with TLS, 143 without."),
        ("imap_security", "IMAP security", "ssl, starttls or none."),
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
        ("smtp_port", "SMTP port", "465 with TLS, 587 with STARTTLS."),
        ("smtp_security", "SMTP security", "ssl, starttls or none."),
        ("smtp_username", "SMTP username", ""),
    ),
    credentials=(("imap_password", "IMAP password"), ("smtp_password", "SMTP password")),
    destinations=(
        (("imap_host", "imap_port", "imap_security"), ("imap_password",)),
        (("smtp_host", "smtp_port", "smtp_security"), ("smtp_password",)),
    ),
    check_settings=check_settings,
)
