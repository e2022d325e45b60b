"""The default phrase list (English and Spanish) and safety replies for every channel, all on."""

from django.db import migrations

from oss_inbox.safety.defaults import create_defaults


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
