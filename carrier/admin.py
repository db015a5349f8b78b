"""Staff pages of the carrier app: Bandwidth accounts, provisioning, and the tenant's carrier side.

The tenant page is tenants' own admin extended here with provisioning (its state, the tenant's own
Bandwidth account, and the actions that provision or rotate credentials), so tenants need not
know this app.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from bandwidth.errors import BandwidthError
from tenants.admin import TenantAdmin as BaseTenantAdmin
from tenants.errors import ParleyError
from tenants.models import Tenant

from . import services
from .models import BandwidthAccount, Provisioning


class BandwidthAccountForm(forms.ModelForm):
    client_secret = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted and never shown again; leave empty to keep the current one.",
    )

    class Meta:
        model = BandwidthAccount
        fields = ["name", "kind", "account_id", "client_id", "client_secret"]


@admin.register(BandwidthAccount)
class BandwidthAccountAdmin(admin.ModelAdmin):
    form = BandwidthAccountForm
    list_display = ["name", "kind", "account_id", "client_id", "has_secret", "last_test_ok"]
    list_filter = ["kind", "last_test_ok"]
    search_fields = ["name", "account_id", "client_id"]
    readonly_fields = [
        "orders_subscription_id",
        "disconnects_subscription_id",
        "last_test_ok",
        "last_test_message",
        "created_at",
    ]
    actions = ["test_connection"]

    @admin.display(boolean=True, description="Secret stored")
    def has_secret(self, account: BandwidthAccount) -> bool:
        return bool(account.client_secret_encrypted)

    def save_model(
        self, request: HttpRequest, obj: BandwidthAccount, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        secret = form.cleaned_data.get("client_secret")
        if secret:
            services.bandwidth_account_set_secret(account=obj, client_secret=secret)

    @admin.action(description="Test the connection to Bandwidth")
    def test_connection(self, request: HttpRequest, queryset: QuerySet[BandwidthAccount]) -> None:
        for account in queryset:
            ok, text = services.bandwidth_account_test(account=account)
            level = messages.SUCCESS if ok else messages.ERROR
            self.message_user(request, f"{account}: {text}", level)


@admin.register(Provisioning)
class ProvisioningAdmin(admin.ModelAdmin):
    list_display = [
        "tenant",
        "bandwidth_account",
        "status",
        "error",
        "site_id",
        "peer_id",
        "updated_at",
    ]
    list_filter = ["status"]
    search_fields = ["tenant__name", "tenant__slug", "site_id", "messaging_application_id"]
    list_select_related = ["tenant", "bandwidth_account"]
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


class ProvisioningInline(admin.StackedInline):
    """Which Bandwidth account the tenant is on (empty: the platform's) and how far setup got."""

    model = Provisioning
    can_delete = False
    max_num = 1
    fields = ["bandwidth_account", "status", "error"]
    readonly_fields = ["status", "error"]


admin.site.unregister(Tenant)


@admin.register(Tenant)
class TenantAdmin(BaseTenantAdmin):
    list_display = ["name", "slug", "status", "provisioning_state", "number_limit", "created_at"]
    list_filter = [*BaseTenantAdmin.list_filter, "provisioning__status"]
    readonly_fields = [*BaseTenantAdmin.readonly_fields, "provisioning_state"]
    inlines = [*BaseTenantAdmin.inlines, ProvisioningInline]
    actions = [*BaseTenantAdmin.actions, "provision", "rotate_callback_credentials"]
    list_select_related = ["provisioning"]

    @admin.display(description="Bandwidth provisioning")
    def provisioning_state(self, tenant: Tenant) -> str:
        provisioning = getattr(tenant, "provisioning", None)
        if provisioning is None:
            return "not started"
        if provisioning.status == "failed":
            return f"failed: {provisioning.error}"
        return str(provisioning.get_status_display()).lower()

    @admin.action(description="Provision on Bandwidth (again), resuming where it stopped")
    def provision(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        for tenant in queryset:
            try:
                services.provisioning_run(tenant=tenant)
            except BandwidthError as error:
                self.message_user(request, f"{tenant}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{tenant}: ready.", messages.SUCCESS)

    @admin.action(description="Rotate Bandwidth callback credentials")
    def rotate_callback_credentials(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        for tenant in queryset:
            try:
                services.provisioning_rotate_credentials(tenant=tenant)
            except (BandwidthError, ParleyError) as error:
                self.message_user(request, f"{tenant}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{tenant}: new credentials set.", messages.SUCCESS)
