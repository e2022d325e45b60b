"""The key-account mail world's fixtures (mail_world.py) for every test in this folder: passwords hashed
quickly, two key accounts, an SMTP sink and the mailbox that sends through it."""

from .mail_world import hospital, plant, sending_mailbox, smtp_sink  # noqa: F401
