"""Where `make run`'s sandbox listens; connect_sandbox points the demo accounts here."""

import os

PORTS = {
    "x": int(os.environ.get("SANDBOX_X_PORT", "8101")),
    "graph": int(os.environ.get("SANDBOX_GRAPH_PORT", "8102")),
    "instagram": int(os.environ.get("SANDBOX_INSTAGRAM_PORT", "8104")),
    "imap": int(os.environ.get("SANDBOX_IMAP_PORT", "1143")),
    "smtp": int(os.environ.get("SANDBOX_SMTP_PORT", "2525")),
    # The sandbox's control page (channels/sandbox/control.py): scripts make customers write, read replies.
    "control": int(os.environ.get("SANDBOX_CONTROL_PORT", "8103")),
}

# The demo's mailbox (oss_inbox.demo.content.MAILBOX) is the sandbox IMAP server's one user.
MAILBOX = "help@prairie-eg.example"
MAIL_PASSWORD = "sandbox-password"

# What the platforms' webhooks are signed with, and Meta's verify token; connect_sandbox saves the same on
# the sandbox accounts (X's consumer secret is the account's, "sandbox", as its other keys are).
WEBHOOK_SECRETS = {"meta": "sandbox-app-secret", "x": "sandbox"}
META_VERIFY_TOKEN = "sandbox-verify-token"
