from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join

from bandwidth.errors import BandwidthError
from carrier.clients import client_for_tenant
from tenants.errors import ParleyError

from . import services
from .models import PortInDocument, PortInEvent, PortInRequest, PortInSubscription


class PortInEventInline(admin.TabularInline):
    model = PortInEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "status", "text", "author"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PortInDocumentInline(admin.TabularInline):
    model = PortInDocument
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "kind",
        "original_name",
        "content_type",
        "size",
        "bandwidth_file_name",
        "purged_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PortInAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    new_note = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Sent to Bandwidth's porting desk and kept in the history.",
    )

    class Meta:
        model = PortInRequest
        fields = ["new_note"]


@admin.register(PortInRequest)
class PortInRequestAdmin(admin.ModelAdmin):
    form = PortInAdminForm
    list_display = ["customer_order_id", "tenant", "status", "numbers", "foc_at", "created_at"]
    list_filter = ["status", "toll_free", "tenant"]
    search_fields = ["customer_order_id", "bandwidth_order_id", "tenant__name", "numbers"]
    list_select_related = ["tenant"]
    inlines = [PortInEventInline, PortInDocumentInline]
    readonly_fields = [
        "tenant",
        "numbers",
        "status",
        "exception_reason",
        "losing_carrier",
        "wireless",
        "toll_free",
        "account_name",
        "house_number",
        "street_name",
        "city",
        "state",
        "zip_code",
        "account_number",
        "authorizing_person",
        "requested_foc_date",
        "foc_at",
        "customer_order_id",
        "bandwidth_order_id",
        "loa_signed_name",
        "loa_signed_at",
        "submitted_at",
        "closed_at",
        "moved_at",
        "synced_at",
        "created_at",
        "bandwidth_history",
        "bandwidth_notes",
    ]
    actions = ["resync"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="History at Bandwidth")
    def bandwidth_history(self, obj: PortInRequest) -> str:
        if not obj.bandwidth_order_id:
            return "-"
        try:
            entries = client_for_tenant(obj.tenant).numbers.get_portin_history(
                obj.bandwidth_order_id
            )
        except BandwidthError as error:
            return f"Bandwidth did not answer: {error}"
        return (
            format_html_join(
                "",
                "<div>{} {} — {} ({})</div>",
                ((e.when, e.status, e.note, e.author) for e in entries),
            )
            or "-"
        )

    @admin.display(description="Notes at Bandwidth")
    def bandwidth_notes(self, obj: PortInRequest) -> str:
        if not obj.bandwidth_order_id:
            return "-"
        try:
            notes = client_for_tenant(obj.tenant).numbers.list_portin_notes(obj.bandwidth_order_id)
        except BandwidthError as error:
            return f"Bandwidth did not answer: {error}"
        return (
            format_html_join(
                "", "<div>{} {}: {}</div>", ((n.modified, n.user_id, n.description) for n in notes)
            )
            or "-"
        )

    def save_model(self, request: HttpRequest, obj: PortInRequest, form: Any, change: bool) -> None:
        note = form.cleaned_data.get("new_note", "")
        if note:
            try:
                services.port_in_note_add(
                    port_in=obj, text=note, author=request.user.get_username()
                )
            except (ParleyError, BandwidthError) as error:
                self.message_user(request, f"The note was not added: {error}", messages.ERROR)

    @admin.action(description="Re-sync from Bandwidth")
    def resync(self, request: HttpRequest, queryset: QuerySet[PortInRequest]) -> None:
        for port_in in queryset:
            try:
                updated = services.port_in_sync(port_in_id=port_in.pk)
            except BandwidthError as error:
                self.message_user(request, f"{port_in}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{updated}", messages.SUCCESS)


@admin.register(PortInSubscription)
class PortInSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["account", "subscription_id", "username", "created_at"]
    readonly_fields = ["account", "subscription_id", "username", "created_at"]
    exclude = ["password_hash"]
