from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core import phones
from core.destinations import DestinationNotAllowed

from . import services
from .models import (
    ApiToken,
    BlockedNumber,
    Membership,
    OutboundChannel,
    OutboundPolicy,
    Tenant,
    default_destination_countries,
)
from .signals import tenant_changed


class MembershipForm(forms.ModelForm):
    """The agent's phone (rung first for click-to-call) is stored in E.164; national numbers are
    read in the tenant's region."""

    phone = forms.CharField(max_length=32, required=False)

    class Meta:
        model = Membership
        fields = ["tenant", "user", "role", "phone"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        tenant = cleaned.get("tenant") or getattr(self.instance, "tenant", None)
        region = tenant.default_region if tenant is not None else phones.DEFAULT_REGION
        if cleaned.get("phone"):
            try:
                cleaned["phone"] = phones.normalize_number(
                    cleaned["phone"], field="phone", region=region
                )
                if tenant is not None:
                    services.outbound_destination_check(
                        tenant=tenant,
                        channel=OutboundChannel.CALLS,
                        number=cleaned["phone"],
                        field="phone",
                    )
            except (phones.InvalidPhoneNumber, DestinationNotAllowed) as error:
                self.add_error("phone", error.message)
        return cleaned


class CountriesField(forms.CharField):
    """Region codes typed as ``US, CA, JM``; kept as a list."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        codes = [part.strip().upper() for part in text.replace(";", ",").split(",")]
        return [code for code in dict.fromkeys(codes) if code]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return list(initial or []) != self.to_python(data)


class OutboundPolicyForm(forms.ModelForm):
    call_countries = CountriesField(
        required=False,
        initial=default_destination_countries,
        help_text="Region codes calls may go to, comma separated (US, CA, JM).",
    )
    text_countries = CountriesField(
        required=False,
        initial=default_destination_countries,
        help_text="Region codes texts may go to, comma separated.",
    )

    class Meta:
        model = OutboundPolicy
        fields = [
            "call_countries",
            "text_countries",
            "allow_premium",
            "allow_international_networks",
            "max_concurrent_calls",
            "max_calls_per_hour",
            "max_new_destinations_per_day",
        ]


class OutboundPolicyInline(admin.StackedInline):
    """Toll-fraud controls: where the tenant may call and text, and its call limits. Until staff
    save it here the defaults apply."""

    model = OutboundPolicy
    form = OutboundPolicyForm
    can_delete = False
    max_num = 1
    verbose_name = "outbound policy (toll-fraud controls)"
    readonly_fields = ["updated_at"]


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "phone", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "number_limit", "created_at"]
    list_filter = ["status", "timezone"]
    search_fields = ["name", "slug", "id"]
    readonly_fields = ["id", "created_at"]
    inlines = [MembershipInline, OutboundPolicyInline]
    actions = ["suspend", "reactivate"]

    def save_model(self, request: HttpRequest, obj: Tenant, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        tenant_changed.send(sender=Tenant, tenant_ids=[obj.pk])

    @admin.action(description="Suspend the selected tenants")
    def suspend(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        for tenant in queryset:
            services.tenant_suspend(tenant=tenant)
        self.message_user(request, f"{queryset.count()} tenant(s) suspended.", messages.SUCCESS)

    @admin.action(description="Reactivate the selected tenants")
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        for tenant in queryset:
            services.tenant_reactivate(tenant=tenant)
        self.message_user(request, f"{queryset.count()} tenant(s) reactivated.", messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["user__email", "user__username", "tenant__name", "tenant__slug"]
    raw_id_fields = ["user", "tenant"]
    list_select_related = ["user", "tenant"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "tenant",
        "scopes",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "tenant"]
    search_fields = ["name", "prefix", "tenant__name", "tenant__slug"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at", "created_by"]
    exclude = ["secret_hash"]
    list_select_related = ["tenant"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            services.api_token_revoke(token=token)
        self.message_user(request, f"{queryset.count()} token(s) revoked.", messages.SUCCESS)


class BlockedNumberForm(forms.ModelForm):
    number = forms.CharField(
        max_length=32, help_text="National numbers are read in the tenant's region."
    )

    class Meta:
        model = BlockedNumber
        fields = ["tenant", "number", "reason"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        tenant = cleaned.get("tenant")
        region = tenant.default_region if tenant is not None else phones.DEFAULT_REGION
        if cleaned.get("number"):
            try:
                cleaned["number"] = phones.normalize_number(
                    cleaned["number"], field="number", region=region
                )
            except phones.InvalidPhoneNumber as error:
                self.add_error("number", error.message)
        return cleaned


@admin.register(BlockedNumber)
class BlockedNumberAdmin(admin.ModelAdmin):
    form = BlockedNumberForm
    list_display = ["number", "tenant", "reason", "created_at"]
    list_filter = ["tenant"]
    search_fields = ["number"]
