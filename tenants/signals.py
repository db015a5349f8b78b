"""What tenants tell the apps above them, which it must not import."""

from django.dispatch import Signal

# Sent by services.tenant_create inside its transaction, with ``tenant``; the carrier app
# provisions the new tenant on Bandwidth after commit.
tenant_created = Signal()
