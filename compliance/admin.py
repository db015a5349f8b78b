"""Staff see every tenant's registration with its states, trigger vetting, revets and
resubmission checks through the same services, and read the raw notifications."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.errors import ParleyError

from . import services
from .models import (
    Brand,
    BusinessProfile,
    Campaign,
    CampaignAssignment,
    ComplianceAccount,
    ComplianceNotification,
    LineTypeLookup,
    TollFreeVerification,
)


def _each(request: HttpRequest, rows: QuerySet[Any], action: Any, done: str) -> None:
    count = 0
    for row in rows:
        try:
            action(row)
            count += 1
        except (ParleyError, Exception) as error:
            messages.error(request, f"{row}: {error}")
    if count:
        messages.success(request, f"{done}: {count}.")


@admin.register(BusinessProfile)
class BusinessProfileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("legal_name", "tenant", "entity_type", "allow_unregistered_10dlc", "updated_at")
    search_fields = ("legal_name", "dba", "tenant__name")


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("bandwidth_brand_id", "tenant", "status", "checked_at")
    list_filter = ("status",)
    readonly_fields = ("bandwidth_brand_id", "checked_at")
    actions = ["refresh", "vet", "revet"]

    @admin.action(description="Read the state from Bandwidth")
    def refresh(self, request: HttpRequest, queryset: QuerySet[Brand]) -> None:
        _each(request, queryset, lambda b: services.brand_refresh(brand=b), "Refreshed")

    @admin.action(description="Order an external vetting")
    def vet(self, request: HttpRequest, queryset: QuerySet[Brand]) -> None:
        _each(request, queryset, lambda b: services.brand_vet(brand=b), "Vetting ordered")

    @admin.action(description="Ask for a new review (revet)")
    def revet(self, request: HttpRequest, queryset: QuerySet[Brand]) -> None:
        _each(request, queryset, lambda b: services.brand_revet(brand=b), "Revet requested")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("bandwidth_campaign_id", "tenant", "use_case", "status", "carrier_statuses")
    list_filter = ("status", "use_case")
    readonly_fields = ("bandwidth_campaign_id", "carrier_statuses", "approved_at", "checked_at")
    actions = ["refresh", "revet", "assign"]

    @admin.action(description="Read the carriers' verdicts from Bandwidth")
    def refresh(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        _each(request, queryset, lambda c: services.campaign_refresh(campaign=c), "Refreshed")

    @admin.action(description="Ask for a new review (revet)")
    def revet(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        _each(request, queryset, lambda c: services.campaign_revet(campaign=c), "Revet requested")

    @admin.action(description="Assign the tenant's unassigned local numbers")
    def assign(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        _each(
            request,
            queryset,
            lambda c: services.campaign_assign_numbers(tenant=c.tenant),
            "Assignment placed",
        )


@admin.register(CampaignAssignment)
class CampaignAssignmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("customer_order_id", "tenant", "campaign", "status", "numbers", "created_at")
    list_filter = ("status",)
    actions = ["reconcile"]

    @admin.action(description="Read the order from Bandwidth")
    def reconcile(self, request: HttpRequest, queryset: QuerySet[CampaignAssignment]) -> None:
        _each(
            request,
            queryset,
            lambda a: services.assignment_reconcile(assignment=a),
            "Reconciled",
        )


@admin.register(TollFreeVerification)
class TollFreeVerificationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "tenant", "status", "denial_code", "resubmit_deadline")
    list_filter = ("status",)
    actions = ["refresh", "resubmit"]

    @admin.action(description="Read the state from Bandwidth")
    def refresh(self, request: HttpRequest, queryset: QuerySet[TollFreeVerification]) -> None:
        _each(
            request,
            queryset,
            lambda v: services.toll_free_verification_refresh(verification=v),
            "Refreshed",
        )

    @admin.action(description="Resubmit as it stands (within 7 days of a denial)")
    def resubmit(self, request: HttpRequest, queryset: QuerySet[TollFreeVerification]) -> None:
        _each(
            request,
            queryset,
            lambda v: services.toll_free_verification_resubmit(verification=v),
            "Resubmitted",
        )


@admin.register(LineTypeLookup)
class LineTypeLookupAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("number", "tenant", "line_type", "deactivated", "carrier", "looked_up_at")
    list_filter = ("line_type", "deactivated")
    search_fields = ("number",)


@admin.register(ComplianceNotification)
class ComplianceNotificationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("kind", "received_at", "outcome")
    list_filter = ("kind",)
    readonly_fields = ("kind", "body", "outcome", "received_at")


@admin.register(ComplianceAccount)
class ComplianceAccountAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Per Bandwidth account: Parley as a reseller, its own (main) brand, its subscriptions."""

    list_display = ("account_id", "reseller_ready", "main_brand_id", "main_brand_status")
    readonly_fields = (
        "account_id",
        "reseller_ready",
        "main_brand_id",
        "main_brand_status",
        "main_brand_checked_at",
        "tnoptions_subscription_id",
        "toll_free_subscription_id",
        "webhook_username",
        "updated_at",
    )
    actions = ["refresh_main_brand"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Read Parley's main brand state from Bandwidth")
    def refresh_main_brand(
        self, request: HttpRequest, queryset: QuerySet[ComplianceAccount]
    ) -> None:
        _each(
            request,
            queryset.exclude(main_brand_id=""),
            lambda a: services.platform_brand_refresh(account=a),
            "Refreshed",
        )
