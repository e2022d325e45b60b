from django.core.management.base import BaseCommand, CommandError

from channels.models import ChannelAccount
from channels.replay import UnreadableFile, items_from_file, payload_files
from oss_inbox.tickets.services import ingest

BATCH = 500


class Command(BaseCommand):
    help = (
        "Replay saved raw payloads (X API v2 JSON, Graph API JSON, .eml/.mbox files, or folders of them) "
        "through the same parse + ingest path as the pollers. Already stored items are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file or a folder (read recursively).")
        parser.add_argument(
            "--account", required=True, help="Name of the channel account the items belong to."
        )

    def handle(self, path, account, **options):
        try:
            channel_account = ChannelAccount.objects.get(name=account)
        except ChannelAccount.DoesNotExist:
            names = ", ".join(ChannelAccount.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"No channel account named {account!r} (accounts: {names}).") from None
        try:
            files = payload_files(path)
        except UnreadableFile as error:
            raise CommandError(str(error)) from None
        totals, unreadable = (
            {"stored": 0, "duplicates": 0, "tickets_opened": 0, "set_aside": 0, "failed": 0},
            [],
        )
        for file in files:
            try:
                items = items_from_file(file, channel_account)
            except UnreadableFile as error:
                unreadable.append(f"{file}: {error}")
                self.stderr.write(f"{file}: {error}")
                continue
            self._ingest(file, channel_account, items, totals)
        self.stdout.write(
            f"{len(files)} file(s): {totals['stored']} stored ({totals['tickets_opened']} new tickets), "
            f"{totals['duplicates']} already there, {totals['set_aside']} set aside, "
            f"{totals['failed']} could not be stored, {len(unreadable)} file(s) unreadable."
        )
        if unreadable:
            raise CommandError(f"{len(unreadable)} file(s) could not be read; the rest went in.")

    def _ingest(self, file, account, items, totals):
        for start in range(0, len(items), BATCH):
            result = ingest(account, items[start : start + BATCH])
            for key in totals:
                totals[key] += getattr(result, key)
            for error in result.errors:
                self.stderr.write(f"{file}: {error}")
        self.stdout.write(f"{file}: {len(items)} item(s)")
