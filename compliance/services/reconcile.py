"""What the reconciler polls."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from tenants.models import Tenant

from ..models import (
    Brand,
    Campaign,
    CampaignAssignment,
    ComplianceAccount,
    TollFreeVerification,
)
from .account import platform_brand_refresh
from .registration import (
    _numbers_to_assign,
    assignment_reconcile,
    brand_refresh,
    campaign_refresh,
)
from .toll_free import toll_free_verification_refresh

# --- the reconciler ---


def to_reconcile(*, now: datetime | None = None) -> dict[str, list[int]]:
    """What no notification settled: pending brands (Parley's own among them), campaigns and
    verifications, and assignments open for over a minute."""
    now = now or timezone.now()
    recent = now - timedelta(seconds=settings.COMPLIANCE_RECONCILE_AFTER_SECONDS)
    return {
        "platform_brands": list(
            ComplianceAccount.objects.exclude(main_brand_id="")
            .filter(main_brand_status=Brand.Status.PENDING)
            .values_list("pk", flat=True)
        ),
        "brands": list(
            Brand.objects.filter(status=Brand.Status.PENDING).values_list("pk", flat=True)
        ),
        "campaigns": list(
            Campaign.objects.filter(status=Campaign.Status.PENDING).values_list("pk", flat=True)
        ),
        "assignments": list(
            CampaignAssignment.objects.filter(
                status=CampaignAssignment.Status.RECEIVED, created_at__lte=recent
            ).values_list("pk", flat=True)
        ),
        "toll_free": list(
            TollFreeVerification.objects.filter(
                status=TollFreeVerification.Status.PENDING
            ).values_list("pk", flat=True)
        ),
    }


def reconcile_one(*, kind: str, pk: int) -> None:
    if kind == "platform_brands":
        platform_brand_refresh(account=ComplianceAccount.objects.get(pk=pk))
    elif kind == "brands":
        brand_refresh(brand=Brand.objects.get(pk=pk))
    elif kind == "campaigns":
        campaign_refresh(campaign=Campaign.objects.get(pk=pk))
    elif kind == "assignments":
        assignment = CampaignAssignment.objects.get(pk=pk)
        if assignment.bandwidth_order_id:
            assignment_reconcile(assignment=assignment)
    elif kind == "toll_free":
        toll_free_verification_refresh(verification=TollFreeVerification.objects.get(pk=pk))


def tenants_with_unassigned_numbers() -> list[Tenant]:
    tenants = []
    for campaign in Campaign.objects.filter(status=Campaign.Status.APPROVED).select_related(
        "tenant"
    ):
        if _numbers_to_assign(campaign.tenant, campaign):
            tenants.append(campaign.tenant)
    return list({t.pk: t for t in tenants}.values())
