from django.core.management.base import BaseCommand

from channels.models import ChannelAccount
from channels.sandbox.graph_api import DEFAULT_PAGE, DEFAULT_TOKEN
from channels.sandbox.ports import MAIL_PASSWORD, MAILBOX, PORTS
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
    ]  # fmt: skip


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
                account.save()
                self.stdout.write(f"{account.name} polls the sandbox every {account.poll_interval_seconds} s")
