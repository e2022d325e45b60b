"""The moderation rules a new installation starts with (docs/channels.md, "Moderation").

On: account numbers and phone numbers. A customer's own account or phone number on a public page
invites fraud (callers posing as the utility), our agents never need it in public, and the detector
leaves dates, amounts, ZIP codes, counts and the last four digits alone, so a hidden comment is
almost always one that should be.
Off, for an admin to decide: street addresses (outage reports name them all day long, and many
customers want the neighbours to see theirs) and profanity (a communications policy, and hiding
angry customers' words is a choice the utility makes, not a default).
Existing rules of the same names are left as they are.
"""

from django.db import migrations

CONTINUE = "We're here in private messages to help: reply here and we'll carry on."
DEFAULT_RULES = [
    {
        "name": "Account numbers",
        "finds": "account_number",
        "enabled": True,
        "private_reply": "Hi, we hid your comment because it showed an account number, to keep your "
        f"account safe. {CONTINUE}",
    },
    {
        "name": "Phone numbers",
        "finds": "phone",
        "enabled": True,
        "private_reply": "Hi, we hid your comment because it showed a phone number, to keep it private. "
        f"{CONTINUE}",
    },
    {
        "name": "Street addresses",
        "finds": "address",
        "enabled": False,
        "private_reply": "Hi, we hid your comment because it showed a street address, to keep it private. "
        f"{CONTINUE}",
    },
    {
        "name": "Profanity",
        "finds": "profanity",
        "enabled": False,
        "private_reply": "Hi, we hid your comment because of its language, but we still want to help. "
        "Tell us here what's going on and we'll carry on.",
    },
]


def create_defaults(apps, schema_editor):
    ModerationRule = apps.get_model("channels", "ModerationRule")
    for rule in DEFAULT_RULES:
        ModerationRule.objects.get_or_create(name=rule["name"], defaults=rule)


class Migration(migrations.Migration):
    dependencies = [("channels", "0007_webhooks_usage_moderation")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
