"""Active number-days for usage: each day, how many numbers each tenant holds active."""

from __future__ import annotations

from datetime import date
from numbers.models import PhoneNumber

from django.db import transaction
from django.db.models import Count

from tenants.models import Tenant
from usage.models import Metric
from usage.services import usage_set


@transaction.atomic
def number_days_record(*, on: date) -> int:
    """Sets every tenant's active-number count for ``on``; a rerun the same day sets the same
    values (idempotent). Returns how many tenants were counted."""
    counts = dict(
        PhoneNumber.objects.filter(status=PhoneNumber.Status.ACTIVE)
        .values_list("tenant_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for tenant in Tenant.objects.filter(pk__in=counts):
        usage_set(tenant=tenant, metric=Metric.NUMBER_DAYS, quantity=counts[tenant.pk], on=on)
    return len(counts)
