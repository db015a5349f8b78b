from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from bandwidth.errors import BandwidthError
from tenants.errors import ParleyError

from . import routing, services
from .models import NumberOrder, PhoneNumber


@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "tenant",
        "friendly_name",
        "kind",
        "status",
        "messaging_status",
        "city",
        "state",
    ]
    list_filter = ["status", "kind", "state", "tenant"]
    search_fields = ["number", "friendly_name", "tenant__name", "tenant__slug"]
    list_select_related = ["tenant"]
    raw_id_fields = ["tenant", "order", "release_order"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "activated_at",
        "released_at",
        # Kept by the compliance app from the registration's state.
        "messaging_status",
        "messaging_status_reason",
        "messaging_status_action",
    ]
    actions = ["release"]

    def save_model(self, request: HttpRequest, obj: PhoneNumber, form: Any, change: bool) -> None:
        """Staff may move a number to another tenant or correct it: both the number it had and
        the one it has now route anew."""
        before = PhoneNumber.objects.filter(pk=obj.pk).values_list("pk", "number").first()
        super().save_model(request, obj, form, change)
        routing.forget([*([before] if before else []), (obj.pk, obj.number)])

    @admin.action(description="Release the selected numbers (disconnect on Bandwidth)")
    def release(self, request: HttpRequest, queryset: QuerySet[PhoneNumber]) -> None:
        for number in queryset.select_related("tenant"):
            try:
                services.number_release(tenant=number.tenant, phone_number=number)
            except ParleyError as error:
                self.message_user(request, f"{number}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{number}: releasing.", messages.SUCCESS)


@admin.register(NumberOrder)
class NumberOrderAdmin(admin.ModelAdmin):
    list_display = [
        "customer_order_id",
        "tenant",
        "kind",
        "status",
        "bandwidth_order_id",
        "created_at",
        "completed_at",
    ]
    list_filter = ["kind", "status", "tenant"]
    search_fields = ["customer_order_id", "bandwidth_order_id", "tenant__name", "numbers"]
    list_select_related = ["tenant"]
    raw_id_fields = ["tenant"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "completed_at",
        "last_checked_at",
        "placement_started_at",
    ]
    actions = ["reconcile"]

    @admin.action(description="Reconcile now (ask Bandwidth for the order's state)")
    def reconcile(self, request: HttpRequest, queryset: QuerySet[NumberOrder]) -> None:
        for order in queryset:
            try:
                updated = services.number_order_reconcile(order_id=order.pk)
            except BandwidthError as error:
                self.message_user(request, f"{order}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{updated}", messages.SUCCESS)
