import os

from django.core.management.base import BaseCommand

from channels.models import ChannelAccount
from channels.sandbox.graph_api import DEFAULT_PAGE, DEFAULT_TOKEN
from channels.sandbox.instagram_api import DEFAULT_ACCOUNT as INSTAGRAM_ACCOUNT
from channels.sandbox.instagram_api import DEFAULT_TOKEN as INSTAGRAM_TOKEN
from channels.sandbox.ports import MAIL_PASSWORD, MAILBOX, META_VERIFY_TOKEN, PORTS, WEBHOOK_SECRETS
from channels.sandbox.x_api import DEFAULT_ACCOUNT
from oss_inbox.sla.channel_schedules import schedule_for_channel

LOOPBACK = "127.0.0.1"


def sandbox_accounts():
    """(kind, name, own id, settings, credentials) of the accounts that talk to the sandbox."""
    return [
        ("twitter", "X @PrairieEGHelp", DEFAULT_ACCOUNT["user_id"],
         {"username": DEFAULT_ACCOUNT["username"], "api_base_url": f"http://{LOOPBACK}:{PORTS['x']}"},
         {key: "sandbox"
          for key in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")}),
        ("facebook", "Facebook Prairie Electric & Gas", DEFAULT_PAGE["page_id"],
         # graph_version empty: the sandbox follows GRAPH_API_VERSION, as production does
         {"graph_base_url": f"http://{LOOPBACK}:{PORTS['graph']}", "graph_version": ""},
         {"page_access_token": DEFAULT_TOKEN}),
        ("email", "Email help@prairie-eg.example", MAILBOX,
         {"imap_host": LOOPBACK, "imap_port": str(PORTS["imap"]), "imap_security": "none",
          "imap_username": MAILBOX, "smtp_host": LOOPBACK, "smtp_port": str(PORTS["smtp"]),
          "smtp_security": "none",
          "from_name": "Prairie Electric & Gas Customer Care"},
         {"imap_password": MAIL_PASSWORD}),
        ("instagram", "Instagram @prairie_eg", INSTAGRAM_ACCOUNT["account_id"],
         {"graph_base_url": f"http://{LOOPBACK}:{PORTS['instagram']}", "graph_version": ""},
         {"access_token": INSTAGRAM_TOKEN}),
    ]  # fmt: skip


# The sandbox pushes its customers' messages to the app's webhook URLs (channels/sandbox/webhooks.py)
# unless SANDBOX_WEBHOOKS=0; its accounts then only reconcile, every RECONCILE_SECONDS: short
# enough that a message whose webhook was dropped is still a ticket within the minute.
RECONCILE_SECONDS = 30
WEBHOOK_KINDS = {"twitter": "x", "facebook": "meta", "instagram": "meta"}


def webhooks_on():
    return os.environ.get("SANDBOX_WEBHOOKS", "1") != "0"


def _webhooks(account):
    """The secrets the sandbox signs with, and its Meta verify token, on an account it pushes for."""
    platform = WEBHOOK_KINDS.get(account.kind)
    account.webhooks_enabled = bool(platform) and webhooks_on()
    if platform is None:
        return
    account.reconcile_interval_seconds = RECONCILE_SECONDS
    secret = "consumer_secret" if platform == "x" else "app_secret"
    account.credentials = {**account.credentials, secret: WEBHOOK_SECRETS[platform]}
    if platform == "meta":
        account.settings = {**account.settings, "webhook_verify_token": META_VERIFY_TOKEN}
    # A fresh start: judged again by what the sandbox pushes from now on.
    account.webhooks_unhealthy_since = account.webhooks_reported_at = None
    account.webhook_signature_failures = 0


def _pace(account):
    if account.webhooks_enabled:
        normal = account.poll_interval_seconds
        return (
            f"{account.reconcile_interval_seconds} s, and takes its webhooks (every {normal} s if they stop)"
        )
    return f"{account.poll_interval_seconds} s"


class Command(BaseCommand):
    help = (
        "Point the demo channel accounts at `make run`'s sandbox (python -m channels.sandbox); create them "
        "if missing."
    )

    def handle(self, **options):
        for kind, name, own_id, settings, credentials in sandbox_accounts():
            accounts = list(ChannelAccount.objects.filter(kind=kind, self_external_id=own_id))
            if not accounts:
                accounts = [
                    ChannelAccount(
                        kind=kind,
                        name=name,
                        self_external_id=own_id,
                        poll_interval_seconds=15,
                        coverage_schedule=schedule_for_channel(kind),  # email on the Email schedule
                    )
                ]
            for account in accounts:
                account.settings = {**account.settings, **settings}
                account.credentials = {**account.credentials, **credentials}
                account.enabled, account.error_is_permanent, account.last_error = True, False, ""
                account.poll_interval_seconds = 15
                _webhooks(account)
                account.save()
                self.stdout.write(f"{account.name} polls the sandbox every {_pace(account)}")
