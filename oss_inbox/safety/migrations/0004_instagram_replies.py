"""The default safety replies for Instagram comments and DMs (issue 19) on a database made before
Instagram was a channel: create_defaults adds only what is missing, so nothing an admin edited changes."""

from django.db import migrations

from oss_inbox.safety.defaults import create_defaults


class Migration(migrations.Migration):
    dependencies = [("safety", "0003_critical_care_register")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
