"""Reads of port-ins. Every read of tenant-owned rows takes ``tenant=``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tenants.models import Tenant

from .models import PortInDocument, PortInEvent, PortInRequest


def port_in_list(*, tenant: Tenant) -> QuerySet[PortInRequest]:
    return PortInRequest.objects.for_tenant(tenant).order_by("-created_at", "-id")


def port_in_get(*, tenant: Tenant, pk: Any) -> PortInRequest:
    return get_object_or_404(port_in_list(tenant=tenant), pk=pk)


def port_in_documents(*, tenant: Tenant, port_in: PortInRequest) -> QuerySet[PortInDocument]:
    return PortInDocument.objects.for_tenant(tenant).filter(port_in=port_in, purged_at=None)


def port_in_document_get(*, tenant: Tenant, port_in_pk: Any, pk: Any) -> PortInDocument:
    """A document of one of the tenant's port-ins; another tenant's is the same 404."""
    return get_object_or_404(
        PortInDocument.objects.for_tenant(tenant).filter(port_in_id=port_in_pk, purged_at=None),
        pk=pk,
    )


def port_in_events(*, tenant: Tenant, port_in: PortInRequest) -> QuerySet[PortInEvent]:
    return PortInEvent.objects.for_tenant(tenant).filter(port_in=port_in)
