# Provisioning moved to the carrier app; its table stays (carrier.0001 adopts it).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('numbers', '0002_numberorder_idempotency_key'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Provisioning')],
            database_operations=[],
        ),
    ]
