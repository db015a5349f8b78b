"""Where a tenant may text moves to tenants.OutboundPolicy.text_countries (one place for calls and
texts); the next migration drops MessagingPolicy.allowed_countries."""

from django.db import migrations


def forwards(apps, schema_editor):
    MessagingPolicy = apps.get_model("messaging", "MessagingPolicy")
    OutboundPolicy = apps.get_model("tenants", "OutboundPolicy")
    for tenant_id, countries in MessagingPolicy.objects.values_list(
        "tenant_id", "allowed_countries"
    ):
        codes = [str(code).strip().upper() for code in countries or [] if str(code).strip()]
        policy, _ = OutboundPolicy.objects.get_or_create(tenant_id=tenant_id)
        policy.text_countries = list(dict.fromkeys(codes))
        policy.save(update_fields=["text_countries"])


def backwards(apps, schema_editor):
    MessagingPolicy = apps.get_model("messaging", "MessagingPolicy")
    OutboundPolicy = apps.get_model("tenants", "OutboundPolicy")
    for tenant_id, countries in OutboundPolicy.objects.values_list("tenant_id", "text_countries"):
        MessagingPolicy.objects.filter(tenant_id=tenant_id).update(allowed_countries=countries)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0006_dailysegmentusage_drop_idempotencykey"),
        ("tenants", "0005_outbound_policy"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
