"""Reads of tenants, memberships and tokens. Every read of tenant-owned rows takes ``tenant=``."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from . import tokens
from .models import ApiToken, BlockedNumber, Membership, OutboundPolicy, Tenant


def memberships_for_user(*, user: Any) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")


def current_membership(
    memberships: list[Membership], chosen_tenant_id: str | None
) -> Membership | None:
    """The membership of the tenant chosen with the switcher, else the user's first one."""
    chosen = next((m for m in memberships if str(m.tenant_id) == chosen_tenant_id), None)
    return chosen or (memberships[0] if memberships else None)


def membership_list(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.for_tenant(tenant).select_related("user")


def membership_get(*, tenant: Tenant, pk: Any) -> Membership:
    return get_object_or_404(membership_list(tenant=tenant), pk=pk)


def api_token_list(*, tenant: Tenant) -> QuerySet[ApiToken]:
    return ApiToken.objects.for_tenant(tenant).select_related("created_by")


def api_token_get(*, tenant: Tenant, pk: Any) -> ApiToken:
    return get_object_or_404(api_token_list(tenant=tenant), pk=pk)


def api_token_find(*, plaintext: str) -> ApiToken | None:
    """The usable token this plaintext proves, or None. The token names its own tenant."""
    parts = tokens.split(plaintext)
    if parts is None:
        return None
    prefix, secret = parts
    token = ApiToken.objects.select_related("tenant").filter(prefix=prefix).first()
    if token is None or not tokens.matches(secret, token.secret_hash) or not token.is_usable:
        return None
    return token


def outbound_policy_of(*, tenant: Tenant) -> OutboundPolicy:
    """The tenant's outbound policy; the defaults (unsaved) while staff never changed it and
    nothing needed the row yet."""
    return OutboundPolicy.objects.for_tenant(tenant).first() or OutboundPolicy(tenant=tenant)


def blocked_number_list(*, tenant: Tenant) -> QuerySet[BlockedNumber]:
    return BlockedNumber.objects.for_tenant(tenant)


def blocked_number_get(*, tenant: Tenant, pk: Any) -> BlockedNumber:
    return get_object_or_404(blocked_number_list(tenant=tenant), pk=pk)


def blocked_among(*, tenant: Tenant, numbers: list[str]) -> set[str]:
    """Which of ``numbers`` the tenant blocked, in one query (a broadcast's recipients)."""
    if not numbers:
        return set()
    rows = blocked_number_list(tenant=tenant).filter(number__in=numbers)
    return set(rows.values_list("number", flat=True))


def is_number_blocked(*, tenant: Tenant | uuid.UUID, number: str) -> bool:
    """The one question messaging and voice ask; webhooks pass the tenant's id (one indexed
    query, no tenant row needed)."""
    tenant_id = tenant.pk if isinstance(tenant, Tenant) else tenant
    return BlockedNumber.objects.filter(tenant_id=tenant_id, number=number).exists()
