# BlockedNumber (from voice) moves here with its table: only Django's state changes, and the
# content type follows so admin permissions are kept.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def adopt_content_type(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    if not ContentType.objects.filter(app_label='tenants', model='blockednumber').exists():
        ContentType.objects.filter(app_label='voice', model='blockednumber').update(
            app_label='tenants'
        )


def return_content_type(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    if not ContentType.objects.filter(app_label='voice', model='blockednumber').exists():
        ContentType.objects.filter(app_label='tenants', model='blockednumber').update(
            app_label='voice'
        )


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('tenants', '0005_outbound_policy'),
        ('voice', '0003_blockednumber_to_tenants'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='BlockedNumber',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False)),
                        ('number', models.CharField(max_length=16)),
                        ('reason', models.CharField(blank=True, max_length=200)),
                        ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.tenant')),
                    ],
                    options={
                        'db_table': 'voice_blockednumber',
                        'ordering': ['number'],
                        'constraints': [models.UniqueConstraint(fields=('tenant', 'number'), name='blockednumber_unique')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(adopt_content_type, return_content_type),
    ]
