from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from bandwidth.errors import BandwidthError
from tenants.errors import ParleyError

from . import services
from .models import NumberOrder, PhoneNumber, Provisioning


@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin):
    list_display = ["number", "tenant", "friendly_name", "kind", "status", "city", "state"]
    list_filter = ["status", "kind", "state", "tenant"]
    search_fields = ["number", "friendly_name", "tenant__name", "tenant__slug"]
    list_select_related = ["tenant"]
    raw_id_fields = ["tenant", "order", "release_order"]
    readonly_fields = ["created_at", "updated_at", "activated_at", "released_at"]
    actions = ["release"]

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


@admin.register(Provisioning)
class ProvisioningAdmin(admin.ModelAdmin):
    list_display = ["tenant", "status", "error", "site_id", "peer_id", "updated_at"]
    list_filter = ["status"]
    search_fields = ["tenant__name", "tenant__slug", "site_id", "messaging_application_id"]
    list_select_related = ["tenant"]
    exclude = ["callback_password_hash"]
    readonly_fields = [
        "tenant",
        "status",
        "error",
        "steps_done",
        "site_id",
        "peer_id",
        "messaging_application_id",
        "voice_application_id",
        "callback_username",
        "updated_at",
    ]
    actions = ["provision", "rotate_callback_credentials"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Provision again, resuming where it stopped")
    def provision(self, request: HttpRequest, queryset: QuerySet[Provisioning]) -> None:
        for provisioning in queryset.select_related("tenant"):
            try:
                services.provisioning_run(tenant=provisioning.tenant)
            except BandwidthError as error:
                self.message_user(request, f"{provisioning.tenant}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{provisioning.tenant}: ready.", messages.SUCCESS)

    @admin.action(description="Rotate callback credentials")
    def rotate_callback_credentials(
        self, request: HttpRequest, queryset: QuerySet[Provisioning]
    ) -> None:
        for provisioning in queryset.select_related("tenant"):
            try:
                services.provisioning_rotate_credentials(tenant=provisioning.tenant)
            except (BandwidthError, ParleyError) as error:
                self.message_user(request, f"{provisioning.tenant}: {error}", messages.ERROR)
            else:
                self.message_user(
                    request, f"{provisioning.tenant}: new credentials set.", messages.SUCCESS
                )
