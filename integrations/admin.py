from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.errors import ParleyError

from . import services
from .models import Delivery, DeliveryAttempt, Event, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["id", "tenant", "url", "enabled", "failing_since", "last_success_at"]
    list_filter = ["enabled", "tenant"]
    search_fields = ["url", "description"]
    exclude = ["secret_encrypted", "previous_secret_encrypted"]
    readonly_fields = [
        "tenant",
        "disabled_at",
        "disabled_reason",
        "failing_since",
        "last_success_at",
        "previous_secret_expires_at",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # secrets are made by the service, in the tenant's settings or the API


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    fields = ["number", "created_at", "response_status", "latency_ms", "error", "response_excerpt"]
    readonly_fields = [
        "number",
        "created_at",
        "response_status",
        "latency_ms",
        "error",
        "response_excerpt",
    ]
    can_delete = False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "webhook_id",
        "tenant",
        "endpoint",
        "event",
        "status",
        "attempts",
        "last_response_status",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "tenant"]
    search_fields = ["webhook_id", "event__public_id", "endpoint__url"]
    raw_id_fields = ["endpoint", "event"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [DeliveryAttemptInline]
    actions = ["replay"]

    @admin.action(description="Send the selected deliveries again (same webhook-id)")
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        replayed = 0
        for delivery in queryset.select_related("endpoint"):
            try:
                services.delivery_replay(delivery=delivery)
                replayed += 1
            except ParleyError as exc:
                self.message_user(request, f"{delivery.webhook_id}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{replayed} deliveries queued again.", messages.SUCCESS)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["public_id", "tenant", "type", "created_at", "fanned_out_at"]
    list_filter = ["type", "tenant"]
    search_fields = ["public_id"]
    readonly_fields = [f.name for f in Event._meta.fields]
