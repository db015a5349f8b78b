from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from bandwidth.errors import BandwidthError
from tenants.errors import ParleyError

from . import services
from .models import ApiToken, BandwidthAccount, Membership, Tenant
from .signals import tenant_changed


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
            from numbers.services import bandwidth_account_set_secret

            bandwidth_account_set_secret(account=obj, client_secret=secret)

    @admin.action(description="Test the connection to Bandwidth")
    def test_connection(self, request: HttpRequest, queryset: QuerySet[BandwidthAccount]) -> None:
        from numbers.services import bandwidth_account_test

        for account in queryset:
            ok, text = bandwidth_account_test(account=account)
            level = messages.SUCCESS if ok else messages.ERROR
            self.message_user(request, f"{account}: {text}", level)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "phone", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "provisioning_state", "number_limit", "created_at"]
    list_filter = ["status", "timezone", "provisioning__status"]
    search_fields = ["name", "slug", "id"]
    readonly_fields = ["id", "created_at", "provisioning_state"]
    inlines = [MembershipInline]
    actions = ["suspend", "reactivate", "provision", "rotate_callback_credentials"]
    list_select_related = ["provisioning"]

    def save_model(self, request: HttpRequest, obj: Tenant, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        tenant_changed.send(sender=Tenant, tenant_ids=[obj.pk])

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
        from numbers.services import provisioning_run

        for tenant in queryset:
            try:
                provisioning_run(tenant=tenant)
            except BandwidthError as error:
                self.message_user(request, f"{tenant}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{tenant}: ready.", messages.SUCCESS)

    @admin.action(description="Rotate Bandwidth callback credentials")
    def rotate_callback_credentials(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        from numbers.services import provisioning_rotate_credentials

        for tenant in queryset:
            try:
                provisioning_rotate_credentials(tenant=tenant)
            except (BandwidthError, ParleyError) as error:
                self.message_user(request, f"{tenant}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{tenant}: new credentials set.", messages.SUCCESS)

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
