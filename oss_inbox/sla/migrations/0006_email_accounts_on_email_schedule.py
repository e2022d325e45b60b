"""Email accounts that follow no schedule of their own go on the Email schedule.

Migration 0002 did this only for the email accounts that existed when it ran; accounts created
after it (the demo, `make run`'s sandbox) ran on the default, Social media, and the Email schedule
was used by nobody. An account an admin put on a schedule keeps it. When an account moves, open
tickets owe an SLA recompute (the Email schedule may have been given other hours).
"""

from django.db import migrations
from django.db.models import F

EMAIL_SCHEDULE = "Email"  # as oss_inbox/sla/channel_schedules.py; a migration keeps its own copy


def email_accounts_on_email_schedule(apps, schema_editor):
    CoverageSchedule = apps.get_model("sla", "CoverageSchedule")
    ChannelAccount = apps.get_model("channels", "ChannelAccount")
    SlaRecomputeOwed = apps.get_model("sla", "SlaRecomputeOwed")
    email = CoverageSchedule.objects.filter(name=EMAIL_SCHEDULE).first()
    if email is None:  # renamed or removed by an admin: their choice
        return
    moved = ChannelAccount.objects.filter(kind="email", coverage_schedule=None).update(
        coverage_schedule=email
    )
    if moved:
        SlaRecomputeOwed.objects.get_or_create(pk=1)  # as sla.services.owed_row
        SlaRecomputeOwed.objects.filter(pk=1).update(changed=F("changed") + 1)


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0005_safety_policy"),
        ("channels", "0004_account_coverage_schedule"),
    ]

    operations = [migrations.RunPython(email_accounts_on_email_schedule, migrations.RunPython.noop)]
