"""manage.py load_gazetteer FILE.csv: the service-area gazetteer loaded from the utility's CSV
(docs/storm.md has the format). All of the file or, when a line is bad, nothing; loading it again
changes nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from oss_inbox.incidents.gazetteer import gazetteer_load


class Command(BaseCommand):
    help = "Load the service-area gazetteer (towns, ZIPs, neighbourhoods, streets, feeders) from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file: kind,name,aliases,town,areas (see docs/storm.md).")

    def handle(self, *args, file, **options):
        path = Path(file)
        try:
            content = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"There is no file {path}.") from None
        except UnicodeDecodeError:
            raise CommandError(
                f"{path} is not UTF-8 text: save it from the spreadsheet as CSV UTF-8."
            ) from None
        result = gazetteer_load(content)
        if result.errors:
            raise CommandError("\n".join([result.summary, *result.errors]))
        self.stdout.write(result.summary)
