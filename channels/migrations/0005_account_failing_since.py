from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('channels', '0004_account_coverage_schedule'),
    ]

    operations = [
        migrations.AddField(
            model_name='channelaccount',
            name='failing_since',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='channelaccount',
            name='failure_reported_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
