"""Reads of numbers and orders. Every read of tenant-owned rows takes ``tenant=``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tenants.models import Tenant

from .models import NumberOrder, PhoneNumber


def number_list(*, tenant: Tenant, include_released: bool = True) -> QuerySet[PhoneNumber]:
    numbers = PhoneNumber.objects.for_tenant(tenant)
    if not include_released:
        numbers = numbers.exclude(status=PhoneNumber.Status.RELEASED)
    return numbers.order_by("number", "-id")


def number_get(*, tenant: Tenant, pk: Any) -> PhoneNumber:
    return get_object_or_404(number_list(tenant=tenant), pk=pk)


def number_held_count(*, tenant: Tenant) -> int:
    return (
        PhoneNumber.objects.for_tenant(tenant).filter(status__in=PhoneNumber.HELD_STATUSES).count()
    )


def numbers_not_ready(*, tenant: Tenant) -> list[PhoneNumber]:
    """Active numbers that may not text yet (their ``messaging_status`` says why)."""
    return list(
        PhoneNumber.objects.for_tenant(tenant)
        .filter(status=PhoneNumber.Status.ACTIVE)
        .exclude(messaging_status=PhoneNumber.MessagingStatus.READY)
        .order_by("number")
    )


def active_number_list(*, tenant: Tenant) -> QuerySet[PhoneNumber]:
    """The tenant's numbers that can text and call now."""
    return PhoneNumber.objects.for_tenant(tenant).filter(status=PhoneNumber.Status.ACTIVE)


def routable_number_list(*, tenant: Tenant) -> QuerySet[PhoneNumber]:
    """The tenant's numbers that can be given routes and names: active or porting in."""
    return PhoneNumber.objects.for_tenant(tenant).filter(status__in=PhoneNumber.ROUTABLE_STATUSES)


def number_order_list(*, tenant: Tenant) -> QuerySet[NumberOrder]:
    return NumberOrder.objects.for_tenant(tenant).order_by("-created_at", "-id")


def number_order_by_bandwidth_id(*, order_id: str) -> NumberOrder | None:
    """For order notifications, which name the order, not the tenant (checked by the caller)."""
    return NumberOrder.objects.select_related("tenant").filter(bandwidth_order_id=order_id).first()
