# BandwidthAccount (from tenants) and Provisioning (from numbers) move here with their tables:
# only Django's state changes, and the content types follow so admin permissions are kept.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

MOVED = [('tenants', 'bandwidthaccount'), ('numbers', 'provisioning')]


def adopt_content_types(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    for old_app, model in MOVED:
        if not ContentType.objects.filter(app_label='carrier', model=model).exists():
            ContentType.objects.filter(app_label=old_app, model=model).update(app_label='carrier')


def return_content_types(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    for old_app, model in MOVED:
        if not ContentType.objects.filter(app_label=old_app, model=model).exists():
            ContentType.objects.filter(app_label='carrier', model=model).update(app_label=old_app)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('numbers', '0003_provisioning_to_carrier'),
        ('tenants', '0002_tenant_number_limit_bandwidthaccount_and_more'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='BandwidthAccount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120)),
                        ('kind', models.CharField(choices=[('platform', 'Platform-managed'), ('tenant', 'Tenant-owned')], default='tenant', max_length=10)),
                        ('account_id', models.CharField(max_length=32, unique=True)),
                        ('client_id', models.CharField(blank=True, max_length=200)),
                        ('client_secret_encrypted', models.TextField(blank=True, editable=False)),
                        ('notification_username', models.CharField(blank=True, editable=False, max_length=64)),
                        ('notification_password_hash', models.CharField(blank=True, editable=False, max_length=64)),
                        ('orders_subscription_id', models.CharField(blank=True, max_length=64)),
                        ('disconnects_subscription_id', models.CharField(blank=True, max_length=64)),
                        ('last_test_ok', models.BooleanField(blank=True, null=True)),
                        ('last_test_message', models.CharField(blank=True, max_length=300)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                    ],
                    options={
                        'db_table': 'tenants_bandwidthaccount',
                        'ordering': ['name'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('kind', 'platform')), fields=('kind',), name='one_platform_account')],
                    },
                ),
                migrations.CreateModel(
                    name='Provisioning',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('ready', 'Ready'), ('failed', 'Failed')], default='pending', max_length=8)),
                        ('error', models.TextField(blank=True)),
                        ('steps_done', models.JSONField(blank=True, default=list)),
                        ('site_id', models.CharField(blank=True, max_length=32)),
                        ('peer_id', models.CharField(blank=True, max_length=32)),
                        ('messaging_application_id', models.CharField(blank=True, max_length=64)),
                        ('voice_application_id', models.CharField(blank=True, max_length=64)),
                        ('callback_username', models.CharField(blank=True, max_length=64)),
                        ('callback_password_hash', models.CharField(blank=True, max_length=64)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('tenant', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='provisioning', to='tenants.tenant')),
                    ],
                    options={
                        'db_table': 'numbers_provisioning',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(adopt_content_types, return_content_types),
    ]
