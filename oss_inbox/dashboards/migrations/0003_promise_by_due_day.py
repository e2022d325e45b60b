# First responses now count on the day their target fell due (they counted on the day the ticket
# arrived), and a ticket resolved without a reply after its due time is a miss. Facts and rollups
# computed the old way are dropped; the next refresh (beat, or the page itself) fills them again,
# as `manage.py dashboards_rollup --rebuild` would.

from django.db import migrations, models


def start_over(apps, schema_editor):
    apps.get_model("dashboards", "TicketFact").objects.all().delete()
    apps.get_model("dashboards", "DailyRollup").objects.all().delete()
    apps.get_model("dashboards", "PercentileSnapshot").objects.all().delete()
    apps.get_model("dashboards", "RollupState").objects.filter(pk=1).update(
        refreshed_from=None,
        refreshed_at=None,
        backfilled_through=0,
        facts_version=models.F("facts_version") + 1,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0002_percentile_snapshots"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="ticketfact",
            name="fact_unanswered_idx",
        ),
        migrations.AddIndex(
            model_name="ticketfact",
            index=models.Index(
                condition=models.Q(("first_response_at__isnull", True)),
                fields=["first_response_due_at", "resolved_at", "channel", "assignee_id", "is_key_account"],
                name="fact_unanswered_idx",
            ),
        ),
        migrations.RunPython(start_over, migrations.RunPython.noop),
    ]
