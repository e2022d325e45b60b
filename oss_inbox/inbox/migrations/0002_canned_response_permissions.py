from django.contrib.auth.management import create_permissions
from django.db import migrations

# Admins edit canned responses in Django admin; every role may read them (the composer offers them).
GRANTS = {
    "Admin": ["add_cannedresponse", "change_cannedresponse", "delete_cannedresponse", "view_cannedresponse"],
    "Supervisor": ["view_cannedresponse"],
    "Agent": ["view_cannedresponse"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("inbox")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="inbox", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("inbox", "0001_initial"), ("staff", "0001_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
