"""manage.py import_history: load a past help desk's history (docs/import.md)."""

from __future__ import annotations

import zoneinfo
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from oss_inbox.importing.indexes import indexes_paused, indexes_restore_if_left
from oss_inbox.importing.progress import Progress
from oss_inbox.importing.runner import CHUNK, Context, Report, run

PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = "Import tickets, messages and contacts from another help desk's export (docs/import.md)."

    def add_arguments(self, parser):
        given = parser.add_argument_group("what to import (one of)")
        given.add_argument("--csv", type=Path, help="a CSV file, one row per message")
        given.add_argument("--mbox", type=Path, help="an mbox file, or a folder of them")
        given.add_argument(
            "--helpdesk-database",
            metavar="URL",
            help="django-helpdesk's database, e.g. postgres://host/helpdesk",
        )
        parser.add_argument("--source", help="the name the ledger keeps this source under (default: from it)")
        parser.add_argument("--account", help="the channel account to file the tickets under (by name)")
        parser.add_argument(
            "--our-address",
            action="append",
            default=[],
            help="mbox: our own address (mail from it is our reply); default: the email account's",
        )
        parser.add_argument("--time-zone", default=settings.TIME_ZONE, help="of times written without one")
        parser.add_argument("--encoding", help="CSV: the file's encoding (default: detected)")
        parser.add_argument(
            "--chunk-size", type=int, default=CHUNK, help=f"tickets per transaction ({CHUNK})"
        )
        parser.add_argument(
            "--rebuild-indexes",
            action="store_true",
            help="PostgreSQL: take the full-text indexes and foreign keys off during the import and put "
            "them back after (faster for a large import into a database nobody else writes to meanwhile)",
        )
        parser.add_argument("--no-create-users", action="store_true", help="leave unknown agents unassigned")
        parser.add_argument("--problems", type=Path, help="write every problem found to this file")

    def handle(self, *args, **options):
        given = [name for name in ("csv", "mbox", "helpdesk_database") if options[name]]
        if len(given) != 1:
            raise CommandError("Give one of --csv, --mbox or --helpdesk-database.")
        try:
            zone = zoneinfo.ZoneInfo(options["time_zone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise CommandError(
                f"--time-zone {options['time_zone']!r} is not an IANA time zone name."
            ) from None
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        report = Report()
        context = Context(
            report, account_name=options["account"], create_users=not options["no_create_users"]
        )
        source = self._source(given[0], options, context, zone)
        indexes_restore_if_left(self.stderr)
        progress = Progress(self.stderr._out)
        pause = options["rebuild_indexes"] and connection.vendor == "postgresql"
        with indexes_paused(pause, self.stderr):
            run(
                source,
                source=options["source"] or source.source,
                report=report,
                total=source.estimated_total,
                progress=progress,
                chunk_size=options["chunk_size"],
            )
        self._summary(report, options)

    def _source(self, kind, options, context, zone):
        if kind == "csv":
            from oss_inbox.importing.csv_source import CsvSource

            if not options["csv"].is_file():
                raise CommandError(f"{options['csv']} is not a file.")
            return CsvSource(options["csv"], context, zone=zone, encoding=options["encoding"])
        if kind == "mbox":
            from oss_inbox.importing.mbox_source import MboxSource

            if not options["mbox"].exists():
                raise CommandError(f"{options['mbox']} does not exist.")
            return MboxSource(options["mbox"], context, our_addresses=options["our_address"])
        from oss_inbox.importing.helpdesk_source import HelpdeskSource, HelpdeskUnreadable

        try:
            return HelpdeskSource(options["helpdesk_database"], context)
        except HelpdeskUnreadable as error:
            raise CommandError(str(error)) from None

    def _summary(self, report, options):
        written = report.written
        rate = (
            f": {written.tickets / report.seconds:,.0f} tickets/s"
            if report.seconds and written.tickets
            else ""
        )
        self.stdout.write(
            f"Imported {written.tickets:,} tickets ({written.messages:,} messages, {written.events:,} "
            f"timeline events, {written.contacts:,} new contacts) in {report.seconds:.1f} s{rate}."
        )
        if written.already_stored:
            self.stdout.write(
                f"{written.already_stored:,} tickets have a message stored here already "
                "(the same message id): left out."
            )
        if report.skipped:
            self.stdout.write(f"{report.skipped:,} tickets were imported before: left as they are.")
        if report.users_created:
            names = ", ".join(report.users_created[:20]) + (" ..." if len(report.users_created) > 20 else "")
            self.stdout.write(
                f"{len(report.users_created)} agents were not users here; added without a login: {names}"
            )
        for note in report.notes:
            self.stdout.write(note)
        if report.problem_count:
            self.stdout.write(
                f"{report.problem_count:,} problems (each says what was left out; the rest was imported):"
            )
            for problem in report.problems[:PROBLEMS_SHOWN]:
                self.stdout.write(f"  {problem}")
            if report.problem_count > PROBLEMS_SHOWN:
                more = report.problem_count - PROBLEMS_SHOWN
                hint = "" if options["problems"] else " (--problems FILE writes them all)"
                self.stdout.write(f"  ... and {more:,} more{hint}")
        if options["problems"]:
            options["problems"].write_text(
                "".join(f"{problem}\n" for problem in report.problems), encoding="utf-8"
            )
