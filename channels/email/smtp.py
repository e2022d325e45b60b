"""Handing a reply to the SMTP server, and what each failure means for retrying it.

Until the message content has gone out, a failure is safe to retry: the server has nothing. Once
the content is on the wire, a dropped connection or a timeout leaves us not knowing whether the
server took it; that is DeliveryUnknown, never repeated blindly (channels/sending.py).
A 4xx answer is temporary (retried with backoff); a 5xx answer is permanent for this message.
"""

import re
import smtplib
import ssl

from channels.base import ChannelError, DeliveryUnknown


class _Transfer:
    """How far one delivery got: decides whether a broken connection may have delivered it."""

    content_sent = False


def deliver(config, message):
    """1. Connect (TLS as configured) and log in; 2. MAIL FROM and RCPT TO; 3. DATA."""
    transfer = _Transfer()
    try:
        _with_server(config, lambda smtp: _transfer(smtp, message, transfer))
    except OSError as error:  # smtplib's errors are OSErrors too
        raise translated(error, config, content_sent=transfer.content_sent) from error


def probe(config):
    """Connect, log in and NOOP, for an admin testing the account."""
    try:
        _with_server(config, lambda smtp: smtp.noop())
    except OSError as error:  # smtplib's errors are OSErrors too
        raise translated(error, config, content_sent=False) from error


def _with_server(config, action):
    smtp = _connect(config)
    try:
        smtp.ehlo()
        if config.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if config.username:
            smtp.login(config.username, config.password)
        action(smtp)
    finally:
        _close_quietly(smtp)


def _connect(config):
    if config.security == "ssl":
        return smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout, context=ssl.create_default_context()
        )
    return smtplib.SMTP(config.host, config.port, timeout=config.timeout)


def _close_quietly(smtp):
    # After the server said 250, a failing QUIT must not turn a delivered reply into an error.
    try:
        smtp.quit()
    except OSError:
        smtp.close()


def _transfer(smtp, message, transfer):
    sender = message["From"].addresses[0].addr_spec
    recipients = [address.addr_spec for address in message["To"].addresses]
    code, answer = smtp.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, answer, sender)
    refused = {}
    for recipient in recipients:
        code, answer = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, answer)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
    _send_content(smtp, message.as_bytes(), transfer)


def _send_content(smtp, data, transfer):
    """DATA, by hand rather than smtplib's data(), so we know when the content started to leave."""
    code, answer = smtp.docmd("DATA")
    if code != 354:
        raise smtplib.SMTPDataError(code, answer)
    transfer.content_sent = True
    body = re.sub(rb"(?m)^\.", b"..", data)  # dot-stuffing (RFC 5321 4.5.2)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body + b".\r\n")
    code, answer = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, answer)


def translated(error, config, *, content_sent):
    where = f"{config.host}:{config.port}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return ChannelError(
            f"The SMTP server refused the login for {config.username} — an admin must update the password.",
            permanent=True,
        )
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return _refused(error)
    if isinstance(error, smtplib.SMTPResponseException):
        return _answered(error, where)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return ChannelError(
            f"The SMTP server {where} does not support what the settings ask for ({error}) — "
            "an admin must change the SMTP security setting.",
            permanent=True,
        )
    if isinstance(error, ssl.SSLCertVerificationError):
        return ChannelError(
            f"The SMTP server {where} presented a certificate we do not trust ({error.verify_message}).",
            permanent=True,
        )
    if content_sent:
        return DeliveryUnknown(
            f"The connection to the SMTP server {where} broke after the reply was sent ({_plain(error)}); "
            "it may or may not have reached the customer."
        )
    return ChannelError(
        f"Could not hand the reply to the SMTP server {where}: {_plain(error)}. It will be retried."
    )


def _refused(error):
    answers = [f"{address}: {code} {_text(answer)}" for address, (code, answer) in error.recipients.items()]
    permanent = all(code >= 500 for code, _ in error.recipients.values())
    verdict = (
        "The mail server refused the address" if permanent else "The mail server cannot take the address now"
    )
    return ChannelError(f"{verdict} ({'; '.join(answers)}).", permanent=permanent)


def _answered(error, where):
    answer = f"{error.smtp_code} {_text(error.smtp_error)}"
    if error.smtp_code >= 500:
        return ChannelError(f"The SMTP server {where} refused the reply: {answer}.", permanent=True)
    return ChannelError(f"The SMTP server {where} cannot take the reply now: {answer}. It will be retried.")


def _text(answer):
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def _plain(error):
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError):
        return "no answer in time"
    return str(error) or type(error).__name__
