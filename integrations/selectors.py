"""Reads of webhook endpoints and deliveries, always for one tenant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tenants.models import Tenant

from .models import Delivery, DeliveryAttempt, WebhookEndpoint


def webhook_endpoint_list(*, tenant: Tenant) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.for_tenant(tenant).order_by("-created_at", "-id")


def webhook_endpoint_get(*, tenant: Tenant, pk: Any) -> WebhookEndpoint:
    return get_object_or_404(webhook_endpoint_list(tenant=tenant), pk=pk)


def webhook_endpoints_disabled(*, tenant: Tenant) -> QuerySet[WebhookEndpoint]:
    """Endpoints Parley switched off (410, or failing too long), for the banner."""
    return webhook_endpoint_list(tenant=tenant).filter(enabled=False).exclude(disabled_reason="")


def delivery_list(
    *,
    tenant: Tenant,
    endpoint: WebhookEndpoint,
    status: str | None = None,
    since: datetime | None = None,
) -> QuerySet[Delivery]:
    rows = (
        Delivery.objects.for_tenant(tenant)
        .filter(endpoint=endpoint)
        .select_related("event")
        .order_by("-created_at", "-id")
    )
    if status:
        rows = rows.filter(status=status)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    return rows


def delivery_get(*, tenant: Tenant, endpoint: WebhookEndpoint, pk: Any) -> Delivery:
    return get_object_or_404(delivery_list(tenant=tenant, endpoint=endpoint), pk=pk)


def delivery_attempt_list(*, tenant: Tenant, delivery: Delivery) -> QuerySet[DeliveryAttempt]:
    return DeliveryAttempt.objects.for_tenant(tenant).filter(delivery=delivery).order_by("-number")
