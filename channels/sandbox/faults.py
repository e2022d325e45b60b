"""The faults the sandbox's control page can switch on (control.py does them): what each button says."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    label: str  # the button
    done: str  # the flash line once pressed
    platform: str  # x, graph or smtp


# What the page's fault buttons do; POST /fault/<name> does the same for scripts.
FAULTS = {
    "x_rate_limit": Fault(
        "Answer 429 to the next 5 calls", "X answers 429 Too Many Requests to its next 5 calls.", "x"
    ),
    "x_error": Fault(
        "Answer 503 to the next 5 calls", "X answers 503 Service Unavailable to its next 5 calls.", "x"
    ),
    "x_revoke_token": Fault(
        "Refuse the app's token", "X refuses the app's token (401) until it is restored.", "x"
    ),
    "x_restore_token": Fault("Accept the token again", "X accepts the app's token again.", "x"),
    "graph_rate_limit": Fault(
        "Answer 'too many calls' to the next 5",
        "The Graph API answers 'Application request limit reached' (code 4) to its next 5 calls.",
        "graph",
    ),
    "graph_error": Fault(
        "Answer a temporary error to the next 5",
        "The Graph API answers a temporary error (code 2) to its next 5 calls.",
        "graph",
    ),
    "graph_expire_token": Fault(
        "Let the Page token expire", "The Page token has expired (code 190): every call is refused.", "graph"
    ),
    "graph_restore_token": Fault("Renew the token", "The Page token works again.", "graph"),
    "smtp_down": Fault(
        "Take the mail server down", "The SMTP server is down: nothing listens on its port.", "smtp"
    ),
    "smtp_up": Fault("Bring it back up", "The SMTP server is up again.", "smtp"),
    "smtp_refuse": Fault(
        "Refuse the next 3 mails (451)",
        "The SMTP server refuses the next 3 recipients with 451 (try again later).",
        "smtp",
    ),
    "clear": Fault("Clear every fault", "Every fault is cleared: tokens work, the mail server is up.", "all"),
}
