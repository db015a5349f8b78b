from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from tenants.models import Tenant

from .webhook_auth import forget_tenant_credentials


class BandwidthAccount(models.Model):
    """A Bandwidth account Parley provisions tenants on.

    The platform account's credentials come from the environment (BANDWIDTH_*); a tenant that brings
    its own account stores its OAuth2 client secret here, encrypted with FIELD_ENCRYPTION_KEYS.
    The account's order and disconnect notification subscriptions live here too, because Bandwidth
    subscriptions are account-wide.
    """

    class Kind(models.TextChoices):
        PLATFORM = "platform", "Platform-managed"
        TENANT = "tenant", "Tenant-owned"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TENANT)
    account_id = models.CharField(max_length=32, unique=True)
    client_id = models.CharField(max_length=200, blank=True)
    client_secret_encrypted = models.TextField(blank=True, editable=False)
    notification_username = models.CharField(max_length=64, blank=True, editable=False)
    notification_password_hash = models.CharField(max_length=64, blank=True, editable=False)
    orders_subscription_id = models.CharField(max_length=64, blank=True)
    disconnects_subscription_id = models.CharField(max_length=64, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "tenants_bandwidthaccount"  # created by the tenants app, moved here
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(kind="platform"), name="one_platform_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.account_id})"


class ProvisioningQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """``update()`` forgets the cached callback credentials of the tenants it touches, as saving
    a row does, so a bulk write cannot leave an old password accepted."""

    def update(self, **kwargs: Any) -> int:
        with transaction.atomic(using=self.db):
            tenant_ids = list(self.values_list("tenant_id", flat=True))
            count = super().update(**kwargs)
        for tenant_id in tenant_ids:
            forget_tenant_credentials(tenant_id)
        return count

    update.alters_data = True  # type: ignore[attr-defined]


class Provisioning(models.Model):
    """What Parley created for one tenant on its Bandwidth account, step by step.

    Each finished step is recorded with the ids it produced, so a run that failed part-way resumes
    at the step that failed. Callback credentials are generated per tenant and kept only hashed.
    The row also names the tenant's own Bandwidth account when it brought one.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="provisioning")
    bandwidth_account = models.ForeignKey(
        BandwidthAccount,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provisionings",
        help_text="Empty: the platform's account.",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    steps_done = models.JSONField(default=list, blank=True)
    site_id = models.CharField(max_length=32, blank=True)
    peer_id = models.CharField(max_length=32, blank=True)
    messaging_application_id = models.CharField(max_length=64, blank=True)
    voice_application_id = models.CharField(max_length=64, blank=True)
    callback_username = models.CharField(max_length=64, blank=True)
    callback_password_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProvisioningQuerySet.as_manager()

    class Meta:
        db_table = "numbers_provisioning"  # created by the numbers app, moved here

    def __str__(self) -> str:
        return f"provisioning of {self.tenant_id}: {self.status}"
