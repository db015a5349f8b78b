# BandwidthAccount moved to the carrier app with its table (carrier.0001), and a tenant's own
# account is now named on its Provisioning (carrier.0002 copied it before this drops the column).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('carrier', '0002_provisioning_bandwidth_account'),
        ('tenants', '0002_tenant_number_limit_bandwidthaccount_and_more'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='tenant',
            name='bandwidth_account',
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='BandwidthAccount')],
            database_operations=[],
        ),
    ]
