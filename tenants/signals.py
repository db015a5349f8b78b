"""What tenants tell the apps above them, which it must not import."""

from __future__ import annotations

from django.dispatch import Signal

tenant_created = Signal()
"""Sent with ``tenant`` by ``services.tenant_create`` inside its transaction; the carrier app
provisions the new tenant on Bandwidth after commit."""

tenant_changed = Signal()
"""Sent with ``tenant_ids`` by every write that changes or deletes tenants (the tenant services,
``Tenant.objects.update()``/``delete()``, ``Tenant.delete()``, the admin), before the change is
committed. Receivers drop what they cache about those tenants (numbers.routing: their routes)."""
