"""manage.py ingest_file PATH --account NAME: replay saved payloads and say what became of each.

Per file: read (its items stored, set aside or refused, and what was left out while reading, each
with its reason) or refused whole with its reason. At the end, the counts for the run with every
reason grouped. The exit code is 0 when every file was read or refused for a stated reason; it is
1 only when a reader crashed on a file (a bug: named, with the traceback at -v 2, and the other
files still go in).
"""

import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from channels.models import ChannelAccount
from channels.replay import Stored, UnreadableFile, messenger_conversations, payload_files, read_file, store


@dataclass
class Run:
    read: int = 0
    refused: Counter = field(default_factory=Counter)  # file refusals by reason
    crashed: list = field(default_factory=list)
    items: Stored = field(default_factory=Stored)
    left_out: Counter = field(default_factory=Counter)


class Command(BaseCommand):
    help = (
        "Replay saved raw payloads (X API v2 JSON, Graph API JSON and webhook bodies, .eml/.mbox files, "
        "or folders of them) through the same parse + ingest path as the pollers, and report what "
        "became of every file and item. Already stored items are counted as duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file or a folder (read recursively).")
        parser.add_argument(
            "--account", required=True, help="Name of the channel account the items belong to."
        )

    def handle(self, path, account, **options):
        channel_account = _account(account)
        try:
            files = payload_files(path)
        except UnreadableFile as error:
            raise CommandError(str(error)) from None
        conversations = messenger_conversations(channel_account) if channel_account.kind == "facebook" else {}
        run = Run()
        for file in files:
            name = _shown(file, Path(path))
            self._replay(file, name, channel_account, conversations, run, options["verbosity"])
        self._summary(len(files), run)
        if run.crashed:
            raise CommandError(
                f"The reader crashed on {len(run.crashed)} file(s), a bug in OSS Inbox: "
                f"{', '.join(run.crashed)}. Every other file was read or refused as above."
            )

    def _replay(self, file, name, account, conversations, run, verbosity):
        try:
            reading = read_file(file, account, conversation_ids=conversations)
        except UnreadableFile as error:
            run.refused[str(error)] += 1
            self.stdout.write(f"{name}: refused: {error}")
            return
        except Exception as error:  # noqa: BLE001 - a reader's bug must not stop the other files
            run.crashed.append(name)
            self.stderr.write(f"{name}: the reader crashed ({type(error).__name__}: {error})")
            if verbosity >= 2:
                self.stderr.write(traceback.format_exc())
            return
        run.read += 1
        run.left_out.update(reading.left_out)
        stored = store(account, reading.items) if reading.items else Stored()
        run.items.add(stored)
        self.stdout.write(f"{name}: {_file_line(reading, stored)}")

    def _summary(self, file_count, run):
        items = run.items
        crashed = f", {len(run.crashed)} crashed the reader" if run.crashed else ""
        self.stdout.write(
            f"\n{file_count} file(s): {run.read} read, {run.refused.total()} refused{crashed}.\n"
            f"Items: {items.stored} stored ({_new_tickets(items.tickets_opened)}), "
            f"{items.set_aside.total()} set aside, {items.refused.total()} refused."
        )
        sections = (
            ("Items set aside, by reason", items.set_aside),
            (
                "Items refused, by reason (kept with their payloads: Django admin, Unprocessed items)",
                items.refused,
            ),
            ("Files refused, by reason", run.refused),
            ("Left out while reading (not messages; not stored), by reason", run.left_out),
        )
        for title, reasons in sections:
            if reasons:
                self.stdout.write(f"{title}:")
                for reason, count in reasons.most_common():
                    self.stdout.write(f"  {count:>5}  {reason}")


def _account(name):
    try:
        return ChannelAccount.objects.get(name=name)
    except ChannelAccount.DoesNotExist:
        names = ", ".join(ChannelAccount.objects.values_list("name", flat=True)) or "none yet"
        raise CommandError(f"No channel account named {name!r} (accounts: {names}).") from None


def _shown(file, root):
    """The file's name as the person typed it: below the folder they named, or as given."""
    return str(file.relative_to(root)) if root.is_dir() else str(file)


def _file_line(reading, stored):
    """One line for a file read: "read, 12 item(s): 10 stored (9 new tickets), 2 refused (...); left
    out: 7 × retweets (...)", or why it held nothing."""
    if not reading.items:
        return f"read, 0 items: {reading.why_nothing()}"
    parts = []
    if stored.stored:
        parts.append(f"{stored.stored} stored ({_new_tickets(stored.tickets_opened)})")
    for word, reasons in (("set aside", stored.set_aside), ("refused", stored.refused)):
        if reasons:
            parts.append(f"{reasons.total()} {word} ({_reasons(reasons)})")
    line = f"read, {len(reading.items)} item(s): {', '.join(parts) or 'nothing stored'}"
    return f"{line}; left out: {_reasons(reading.left_out)}" if reading.left_out else line


def _reasons(counter):
    return "; ".join(f"{count} × {reason}" for reason, count in counter.most_common())


def _new_tickets(count):
    return f"{count} new ticket{'' if count == 1 else 's'}"
