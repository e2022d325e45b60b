"""DM events read, counted apart from posts read: X bills a DM event read at its own, higher rate.
Days counted before this column have their DM event reads among posts_read (and 0 here)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0008_default_moderation_rules"),
    ]

    operations = [
        migrations.AddField(
            model_name="apiusage",
            name="dm_events_read",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
