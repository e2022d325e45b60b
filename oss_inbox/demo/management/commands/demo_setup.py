"""`manage.py demo_setup`: the demo users and a month of tickets, created once."""

import os
import re
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from channels.sandbox.ports import PORTS
from oss_inbox.demo import key_accounts, world
from oss_inbox.demo.scenes import DemoError
from oss_inbox.incidents.gazetteer import gazetteer_load
from oss_inbox.incidents.models import FeedSource, Place

ALREADY_THERE = "Demo data is already there; nothing was created."
DEMO_GAZETTEER = Path(__file__).resolve().parents[3] / "incidents" / "fixtures" / "gazetteer_sample.csv"


def positive_int(raw):
    value = int(raw)
    if value < 1:
        raise ValueError(raw)
    return value


class Command(BaseCommand):
    help = "Create the demo team (with one-time passwords) and a realistic month of tickets. Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--no-data", action="store_true", help="Create the users only.")
        parser.add_argument(
            "--tickets", type=positive_int, default=300, help="How many tickets to create (default 300)."
        )
        parser.add_argument(
            "--logins-file",
            help="Save the new users' logins in this file (readable by you only) instead of printing them.",
        )

    def handle(self, *args, no_data=False, tickets=300, logins_file=None, **options):
        with transaction.atomic():
            created = world.ensure_users()
            if created and world.demo_data_exists():
                # A demo made before a team member was added (the key-account manager): they take
                # their accounts now.
                key_accounts.ensure_key_accounts()
        if created and logins_file:
            save_logins(logins_file, created)
            self.stdout.write(f"Demo users created; their logins are in {logins_file}.")
        elif created:
            self._print_passwords(created)
        loaded = 0
        if not no_data and not world.demo_data_exists():
            loaded = self._load(tickets)
        if not no_data:  # the sandbox's outage map as the demo's outage feed (docs/storm.md)
            url = f"http://127.0.0.1:{PORTS['control']}/outages.json"
            FeedSource.objects.get_or_create(
                name="Sandbox outage map", defaults={"url": url, "poll_seconds": 60}
            )
        if not created and not loaded:
            self.stdout.write(ALREADY_THERE)

    def _load(self, tickets):
        started = time.monotonic()
        try:
            # One transaction: a failed load leaves nothing half-built to be taken for "already there".
            with transaction.atomic():
                loaded = world.build_tickets(tickets)
        except DemoError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Loaded {loaded} demo tickets in {time.monotonic() - started:.1f} s.")
        self._load_gazetteer()
        return loaded

    def _load_gazetteer(self):
        """The demo's service area (its towns, ZIPs, feeders and streets), for storm mode's outage
        reports, after the tickets: the month already built is not grouped, new traffic is."""
        if Place.objects.exists():
            return
        result = gazetteer_load(DEMO_GAZETTEER.read_text(encoding="utf-8"))
        self.stdout.write(f"Service-area gazetteer: {result.summary}")

    def _print_passwords(self, created):
        self.stdout.write("Demo users. The passwords are shown only this once; to change one run")
        self.stdout.write("`manage.py changepassword NAME`.\n")
        for row in login_rows(created):
            self.stdout.write(f"  {row}")
        self.stdout.write("")


def login_rows(created):
    return _rows([(user.username, role, user.get_full_name(), password) for user, role, password in created])


def _rows(logins):
    """(username, role, name, password) as aligned columns under a header."""
    width = max([10] + [len(role) for _, role, _, _ in logins]) + 2  # "Agent (key accounts)"
    return [f"{'USERNAME':<10}{'ROLE':<{width}}{'NAME':<18}PASSWORD"] + [
        f"{username:<10}{role:<{width}}{name:<18}{password}" for username, role, name, password in logins
    ]


SAVED_ROW = re.compile(r"^(\S+)\s+((?:Admin|Supervisor|Agent)(?: \([^)]*\))?)\s+(.*?)\s+(\S+)$")
CHANGE_PASSWORD = "To change a password: .venv/bin/python manage.py changepassword NAME"


def save_logins(path, created):
    """Write the logins where only their owner can read them (0600, also when the file was there),
    after those already saved there (a team member added to the demo later joins the list)."""
    new = [(user.username, role, user.get_full_name(), password) for user, role, password in created]
    kept = [login for login in _saved_logins(path) if login[0] not in {row[0] for row in new}]
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write("\n".join(_rows(kept + new)) + "\n")
        file.write(CHANGE_PASSWORD + "\n")


def _saved_logins(path):
    try:
        lines = Path(path).read_text().splitlines()[1:]  # after the header
    except OSError:
        return []
    return [match.groups() for line in lines if (match := SAVED_ROW.match(line))]
