from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('synclog', '0002_log_pages'),
    ]

    operations = [
        migrations.AddField(
            model_name='syncjob',
            name='throttled',
            field=models.PositiveIntegerField(default=0, help_text='Answers 429 (service protection limits), each waited out.'),
        ),
        migrations.AddField(
            model_name='syncjob',
            name='server_errors',
            field=models.PositiveIntegerField(default=0, help_text='Answers 5xx.'),
        ),
        migrations.AddField(
            model_name='syncjob',
            name='timeouts',
            field=models.PositiveIntegerField(default=0, help_text='Requests not answered in time.'),
        ),
        migrations.AddField(
            model_name='syncjob',
            name='dropped_connections',
            field=models.PositiveIntegerField(default=0, help_text='Connections closed before the answer was complete.'),
        ),
        migrations.AddField(
            model_name='syncjob',
            name='retry_wait_seconds',
            field=models.FloatField(default=0, help_text='Time spent waiting before retries (Retry-After and back-off).'),
        ),
    ]
