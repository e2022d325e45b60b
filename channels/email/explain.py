"""A failed Test connection of a mailbox in plain words (channels/connection_test.py).

The adapter's check tags its error with the server that failed (`failing_server`): the same
network failure means the IMAP host and port or the SMTP ones. A security setting that does not
match the port is the most common mistake (SSL/TLS on a STARTTLS port answers with a TLS error;
STARTTLS or None on an SSL/TLS port waits for a greeting that never comes), so those are named.
"""

import smtplib
import ssl
from contextlib import contextmanager

from imapclient.exceptions import CapabilityError, LoginError

from channels.base import ChannelError
from channels.explain import TIMEOUTS, Server, causes, first, network_sentence

from .config import IMAP_PORTS, SMTP_PORTS, imap_config, smtp_config
from .imap import FolderMissing

SECURITY_WORDS = {"ssl": "SSL/TLS", "starttls": "STARTTLS", "none": "None"}


@contextmanager
def failing_server(name):
    """Tag a ChannelError raised inside with the server it came from ("IMAP" or "SMTP")."""
    try:
        yield
    except ChannelError as error:
        error.server = name
        raise


def explain_failed_test(account, error):
    """The sentence for a mailbox's failed test, or "" when the error's own words will do."""
    name = getattr(error, "server", "")
    if not name:
        return ""
    try:
        config = (imap_config if name == "IMAP" else smtp_config)(account)
    except ChannelError:
        return ""  # a setting is wrong: the error says which
    found = causes(error)
    server = Server(f"the {name} server", config.host, config.port, f"{name} host and port", config.timeout)
    explain = _imap_sentence if name == "IMAP" else _smtp_sentence
    return (
        explain(error, found, config)
        or _security_sentence(found, name, config)
        or network_sentence(error, server)
    )


def _imap_sentence(error, found, config):
    if first(found, LoginError):
        return (
            f"The IMAP server refused the login for {config.username}: the username or password is wrong — "
            "check the IMAP username and enter the IMAP password again."
        )
    if isinstance(error, FolderMissing):
        return (
            f"The mailbox of {config.username} has no folder “{config.folder}” — check the Folder to read "
            "(empty means INBOX)."
        )
    if first(found, CapabilityError):
        return _no_starttls("IMAP", config)
    return ""


def _smtp_sentence(error, found, config):
    if first(found, smtplib.SMTPAuthenticationError):
        return (
            f"The SMTP server refused the login for {config.username}: the username or password is wrong — "
            "check the SMTP username and enter the SMTP password again."
        )
    unsupported = first(found, smtplib.SMTPNotSupportedError)
    if unsupported and "STARTTLS" in str(unsupported):
        return _no_starttls("SMTP", config)
    if unsupported:
        return (
            f"The SMTP server at {config.host} port {config.port} does not take a login on this "
            "connection — choose STARTTLS or SSL/TLS for SMTP security, or leave the SMTP username "
            "empty if the server needs no login."
        )
    answered = first(found, smtplib.SMTPResponseException)
    if answered:
        return (
            f"The SMTP server at {config.host} port {config.port} refused the test: "
            f"{answered.smtp_code} {_text(answered.smtp_error)} — check the SMTP settings."
        )
    return ""


def _security_sentence(found, name, config):
    """A security setting that does not fit the port: the TLS error or the silence it causes."""
    ports = IMAP_PORTS if name == "IMAP" else SMTP_PORTS
    chosen = SECURITY_WORDS[config.security]
    where = f"{config.host} port {config.port}"
    tls_failed = first(found, ssl.SSLError) and not first(found, ssl.SSLCertVerificationError)
    if tls_failed and config.security == "ssl":
        return (
            f"{where} does not start with SSL/TLS: it looks like a STARTTLS or plain port — choose "
            f"STARTTLS for {name} security, or port {ports['ssl']} for SSL/TLS."
        )
    silent = first(found, *TIMEOUTS, smtplib.SMTPServerDisconnected)
    if silent and config.security != "ssl" and config.port == ports["ssl"]:
        return (
            f"{where} did not greet us with {name} security {chosen}: port {config.port} is usually "
            f"SSL/TLS — choose SSL/TLS for {name} security."
        )
    return ""


def _no_starttls(name, config):
    ssl_port = (IMAP_PORTS if name == "IMAP" else SMTP_PORTS)["ssl"]
    return (
        f"The {name} server at {config.host} port {config.port} does not offer STARTTLS — choose SSL/TLS "
        f"(usually port {ssl_port}) if the server has it; None sends the password unencrypted."
    )


def _text(answer):
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
