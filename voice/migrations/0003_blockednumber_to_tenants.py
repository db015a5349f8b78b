# BlockedNumber moved to the tenants app with its table (tenants.0006 adopts it), so messaging
# can ask about blocked senders too; inbound calls from them are recorded as "blocked".

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('voice', '0002_call_idempotency_to_core'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='BlockedNumber')],
            database_operations=[],
        ),
        migrations.AlterField(
            model_name='call',
            name='status',
            field=models.CharField(choices=[('queued', 'Queued'), ('initiated', 'Ringing'), ('in-progress', 'In progress'), ('completed', 'Completed'), ('busy', 'Busy'), ('no-answer', 'No answer'), ('failed', 'Failed'), ('canceled', 'Canceled'), ('blocked', 'Blocked')], default='queued', max_length=12),
        ),
    ]
