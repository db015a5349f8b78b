"""Every read of the compliance app; each takes the tenant."""

from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import Tenant

from .models import (
    Brand,
    BusinessProfile,
    Campaign,
    LineTypeLookup,
    TollFreeVerification,
)


def profile_for(*, tenant: Tenant) -> BusinessProfile:
    """The tenant's profile, or an unsaved empty one."""
    return BusinessProfile.objects.for_tenant(tenant).first() or BusinessProfile(tenant=tenant)


def profile_list(*, tenant: Tenant) -> QuerySet[BusinessProfile]:
    return BusinessProfile.objects.for_tenant(tenant)


def brand_for(*, tenant: Tenant) -> Brand | None:
    return Brand.objects.for_tenant(tenant).first()


def brand_list(*, tenant: Tenant) -> QuerySet[Brand]:
    return Brand.objects.for_tenant(tenant)


def campaign_list(*, tenant: Tenant) -> QuerySet[Campaign]:
    return Campaign.objects.for_tenant(tenant).select_related("brand")


def toll_free_verification_list(*, tenant: Tenant) -> QuerySet[TollFreeVerification]:
    return TollFreeVerification.objects.for_tenant(tenant)


def line_types_for(*, tenant: Tenant, numbers: list[str]) -> dict[str, LineTypeLookup]:
    return {
        row.number: row
        for row in LineTypeLookup.objects.for_tenant(tenant).filter(number__in=numbers)
    }
