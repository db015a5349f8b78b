# A tenant's own Bandwidth account was Tenant.bandwidth_account; it is now named on the tenant's
# Provisioning, so tenants no longer refer to the carrier app. tenants.0003 drops the old column
# after this copies it.

import django.db.models.deletion
from django.db import migrations, models


def copy_accounts(apps, schema_editor):
    Tenant = apps.get_model('tenants', 'Tenant')
    Provisioning = apps.get_model('carrier', 'Provisioning')
    for tenant_id, account_id in Tenant.objects.filter(bandwidth_account__isnull=False).values_list(
        'pk', 'bandwidth_account_id'
    ):
        Provisioning.objects.update_or_create(
            tenant_id=tenant_id, defaults={'bandwidth_account_id': account_id}
        )


def copy_accounts_back(apps, schema_editor):
    Tenant = apps.get_model('tenants', 'Tenant')
    Provisioning = apps.get_model('carrier', 'Provisioning')
    for tenant_id, account_id in Provisioning.objects.filter(
        bandwidth_account__isnull=False
    ).values_list('tenant_id', 'bandwidth_account_id'):
        Tenant.objects.filter(pk=tenant_id).update(bandwidth_account_id=account_id)


class Migration(migrations.Migration):

    dependencies = [
        ('carrier', '0001_initial'),
        ('tenants', '0002_tenant_number_limit_bandwidthaccount_and_more'),
    ]

    operations = [
        migrations.AddField(
            model_name='provisioning',
            name='bandwidth_account',
            field=models.ForeignKey(blank=True, help_text="Empty: the platform's account.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='provisionings', to='carrier.bandwidthaccount'),
        ),
        migrations.RunPython(copy_accounts, copy_accounts_back),
    ]
