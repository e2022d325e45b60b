"""The promised defaults: team hours, the one-day Standard policy, the Key account policy, and
out-of-hours acknowledgement texts (on for private channels, off for public posts).

Email shares the team's hours (a schedule of its own, so admins can change it apart): the same
people answer it, and an acknowledgement needs closed hours to say when they are back. Its
one-day promise is the Standard policy on the calendar clock, which does not depend on hours.
"""

from datetime import timedelta

from django.db import migrations

TEAM_HOURS = {
    **{str(day): [["07:00", "22:00"]] for day in range(5)},
    "5": [["08:00", "21:00"]],
    "6": [["08:00", "21:00"]],
}
SAFETY = "Smell gas or see a downed line? Leave the area and call 911."
PRIVATE = f"Thanks for your message. Our team is away right now; we're back at {{back_at}} and will answer you then. {SAFETY}"
PUBLIC = f"Thanks for reaching out. We're back at {{back_at}} and will reply then. {SAFETY}"
EMAIL = (
    "Thank you for writing to us.\n\n"
    "Our team is away right now. We're back at {back_at} and will answer you then; there is no need "
    "to write again.\n\n"
    "If you smell gas or see a downed power line, leave the area and call 911."
)
ACKNOWLEDGEMENTS = [
    ("email", True, EMAIL),
    ("dm", True, PRIVATE),
    ("messenger", True, PRIVATE),
    ("mention", False, PUBLIC),
    ("comment", False, PUBLIC),
    ("post", False, PUBLIC),
]


def create_defaults(apps, schema_editor):
    CoverageSchedule = apps.get_model("sla", "CoverageSchedule")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    AcknowledgementSetting = apps.get_model("sla", "AcknowledgementSetting")
    ChannelAccount = apps.get_model("channels", "ChannelAccount")
    CoverageSchedule.objects.get_or_create(
        name="Social media", defaults={"timezone": "America/Chicago", "weekly": TEAM_HOURS, "is_default": True}
    )
    email, _ = CoverageSchedule.objects.get_or_create(
        name="Email", defaults={"timezone": "America/Chicago", "weekly": TEAM_HOURS}
    )
    ChannelAccount.objects.filter(kind="email", coverage_schedule=None).update(coverage_schedule=email)
    SlaPolicy.objects.get_or_create(name="Standard", defaults={
        "position": 100,
        "first_response_target": timedelta(hours=24), "first_response_clock": "calendar",
        "next_response_target": timedelta(hours=24), "next_response_clock": "calendar",
    })
    SlaPolicy.objects.get_or_create(name="Key account", defaults={
        "position": 10, "key_accounts_only": True,
        "first_response_target": timedelta(hours=4), "first_response_clock": "coverage",
        "next_response_target": timedelta(hours=8), "next_response_clock": "coverage",
    })
    for kind, enabled, text in ACKNOWLEDGEMENTS:
        AcknowledgementSetting.objects.get_or_create(kind=kind, defaults={"enabled": enabled, "text": text})


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0001_initial"),
        ("channels", "0004_account_coverage_schedule"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
