"""`manage.py demo_setup`'s logins, and the demo's texts: tests that make their own demo (or none)."""

import io
import random
import stat

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from oss_inbox.demo import content
from oss_inbox.demo.people import make_customers
from oss_inbox.tickets.models import Ticket

from .passwords import PASSWORD_ROW, TEAM_ROLES, printed_passwords, saved_passwords

pytestmark = pytest.mark.django_db(transaction=False)


def test_users_only_leaves_the_queue_empty(settings, tmp_path):
    out = io.StringIO()
    call_command("demo_setup", "--no-data", stdout=out)
    assert set(printed_passwords(out.getvalue())) == set(TEAM_ROLES)
    assert not Ticket.objects.exists()


def test_every_template_fills_and_social_replies_fit_a_tweet():
    rng = random.Random(4)
    customers = make_customers(rng, 20)
    for topic in content.TOPICS:
        for role in (
            "openings",
            "subjects",
            "first_replies",
            "asks",
            "answers",
            "updates",
            "more",
            "notes",
            "thanks",
            "closings",
            "reopens",
        ):
            for line in content.lines_for(topic, role):
                text = line.format_map(content.ticket_values(rng, rng.choice(customers), "Dana"))
                assert len(text) <= 270, (topic.key, role, text)
    for lines in (*content.GENERIC.values(), content.AUTO_REPLIES):
        for line in lines:
            line.format_map(content.ticket_values(rng, customers[0], "Lee"))


def test_make_runs_logins_are_saved_for_their_owner_only_and_not_printed(tmp_path):
    """`make run` saves the logins (its console shows them last, in a box) instead of printing them."""
    out, saved = io.StringIO(), tmp_path / "demo-logins.txt"
    call_command("demo_setup", "--no-data", "--logins-file", str(saved), stdout=out)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    passwords = {username: password for username, _, password in PASSWORD_ROW.findall("\n" + "\n".join(
        f" {line}" for line in saved.read_text().splitlines()))}  # fmt: skip
    assert set(passwords) == set(TEAM_ROLES)
    assert all(password not in out.getvalue() for password in passwords.values())
    assert str(saved) in out.getvalue()
    assert Client().login(username="dana", password=passwords["dana"])


def test_a_team_member_added_to_the_demo_later_joins_the_saved_logins(tmp_path):
    """An install made before the key-account manager existed gets her at the next `make run`, and
    keeps the logins it had."""
    saved = tmp_path / "demo-logins.txt"
    call_command("demo_setup", "--no-data", "--logins-file", str(saved), stdout=io.StringIO())
    before = saved_passwords(saved)
    User.objects.filter(username="grace").delete()  # as if made before she joined the demo

    call_command("demo_setup", "--no-data", "--logins-file", str(saved), stdout=io.StringIO())

    after = saved_passwords(saved)
    assert set(after) == set(TEAM_ROLES)
    assert {name: after[name] for name in after if name != "grace"} == {
        name: before[name] for name in before if name != "grace"
    }
    assert after["grace"] != before["grace"] and Client().login(username="grace", password=after["grace"])
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
