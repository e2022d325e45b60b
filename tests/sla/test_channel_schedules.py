"""Every account runs on its own channel's schedule: email on Email, X and Facebook on the default
(Social media), in the demo, in `make run`'s sandbox accounts, on the new-account form, and in a
database migrated from before; and the schedules page names the accounts on each schedule."""

import importlib
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from channels.models import ChannelAccount
from oss_inbox.demo.world import ensure_accounts
from oss_inbox.sla.models import CoverageSchedule, SlaRecomputeOwed
from oss_inbox.sla.policies import schedule_of

from .. import factories

pytestmark = pytest.mark.django_db
CHANNEL_SCHEDULE = {"email": "Email", "twitter": "Social media", "facebook": "Social media"}
MIGRATION = importlib.import_module("oss_inbox.sla.migrations.0006_email_accounts_on_email_schedule")


def schedules_by_kind():
    return {account.kind: schedule_of(account).name for account in ChannelAccount.objects.all()}


def test_the_demo_accounts_each_run_on_their_channels_schedule():
    ensure_accounts()
    assert schedules_by_kind() == CHANNEL_SCHEDULE


def test_make_runs_sandbox_accounts_each_run_on_their_channels_schedule():
    call_command("connect_sandbox", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process
    assert schedules_by_kind() == {**CHANNEL_SCHEDULE, "instagram": "Social media"}


def test_every_default_schedule_is_used_by_the_demo():
    ensure_accounts()
    used = {schedule_of(account).pk for account in ChannelAccount.objects.all()}
    assert used == set(CoverageSchedule.objects.values_list("pk", flat=True))


def test_a_new_email_account_starts_on_the_email_schedule_and_x_on_the_default(client, admin_user):
    client.force_login(admin_user)
    email = CoverageSchedule.objects.get(name="Email")
    page = client.get(reverse("channels:new") + "?kind=email").content.decode()
    assert re.search(rf'<option value="{email.pk}" selected>Email</option>', page)
    page = client.get(reverse("channels:new") + "?kind=twitter").content.decode()
    assert re.search(r'<option value="" selected>The default schedule</option>', page)


def test_the_migration_moves_email_accounts_without_a_schedule_and_owes_a_recompute():
    social = CoverageSchedule.objects.get(name="Social media")
    left_alone = factories.account("email", name="Chosen", coverage_schedule=social)
    moved = factories.account("email", name="Unchosen")
    x = factories.account("twitter")
    owed_before = SlaRecomputeOwed.objects.get_or_create(pk=1)[0].changed

    MIGRATION.email_accounts_on_email_schedule(apps, None)

    for account in (left_alone, moved, x):
        account.refresh_from_db()
    assert (left_alone.coverage_schedule, moved.coverage_schedule.name, x.coverage_schedule) == (
        social,
        "Email",
        None,
    )
    assert SlaRecomputeOwed.objects.get(pk=1).changed == owed_before + 1


def test_the_schedules_page_names_the_accounts_on_each(client, admin_user):
    ensure_accounts()
    client.force_login(admin_user)
    page = client.get(reverse("sla:schedules")).content.decode()
    rows = {
        re.sub(r"<[^>]+>", "", name).strip(): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", used)).strip()
        for name, used in re.findall(
            r'<td><a href="[^"]+">(.*?)</a>.*?<td data-label="Used by">(.*?)</td>', page, re.S
        )
    }
    email = ChannelAccount.objects.get(kind="email").name
    assert rows["Email"] == email
    assert rows["Social media"].startswith("Facebook: ") and "X @" in rows["Social media"]
    assert email not in rows["Social media"]
