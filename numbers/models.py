from __future__ import annotations

import phonenumbers
from django.db import models
from django.utils import timezone

from tenants.models import Tenant, TenantOwnedModel


class Provisioning(models.Model):
    """What Parley created for one tenant on its Bandwidth account, step by step.

    Each finished step is recorded with the ids it produced, so a run that failed part-way resumes
    at the step that failed. Callback credentials are generated per tenant and kept only hashed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="provisioning")
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

    def __str__(self) -> str:
        return f"provisioning of {self.tenant_id}: {self.status}"


class NumberOrder(TenantOwnedModel):
    class Kind(models.TextChoices):
        ORDER = "order", "Order"
        DISCONNECT = "disconnect", "Disconnect"

    class Status(models.TextChoices):
        RECEIVED = "RECEIVED", "Received"
        COMPLETE = "COMPLETE", "Complete"
        PARTIAL = "PARTIAL", "Partial"
        FAILED = "FAILED", "Failed"
        BACKORDERED = "BACKORDERED", "Backordered"

    OPEN_STATUSES = (Status.RECEIVED, Status.BACKORDERED)

    kind = models.CharField(max_length=10, choices=Kind.choices)
    customer_order_id = models.CharField(max_length=40, unique=True)
    bandwidth_order_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    numbers = models.JSONField(default=list)
    completed_numbers = models.JSONField(default=list, blank=True)
    failed_numbers = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    placement_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a worker sent the order to Bandwidth; empty while it waits to be placed.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="numberorder_open_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_order_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class PhoneNumber(TenantOwnedModel):
    class Kind(models.TextChoices):
        LOCAL = "local", "Local"
        TOLL_FREE = "toll_free", "Toll-free"

    class Status(models.TextChoices):
        ORDERING = "ordering", "Ordering"
        ACTIVE = "active", "Active"
        RELEASING = "releasing", "Releasing"
        RELEASED = "released", "Released"
        FAILED = "failed", "Failed"

    HELD_STATUSES = (Status.ORDERING, Status.ACTIVE, Status.RELEASING)

    number = models.CharField(max_length=16, help_text="E.164")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LOCAL)
    friendly_name = models.CharField(max_length=80, blank=True)
    capabilities = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ORDERING)
    status_reason = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=80, blank=True)
    state = models.CharField(max_length=2, blank=True)
    rate_center = models.CharField(max_length=40, blank=True)
    site_id = models.CharField(max_length=32, blank=True)
    peer_id = models.CharField(max_length=32, blank=True)
    order = models.ForeignKey(
        NumberOrder,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ordered_numbers",
    )
    release_order = models.ForeignKey(
        NumberOrder,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="released_numbers",
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(status__in=["ordering", "active", "releasing"]),
                name="phonenumber_unique_held",
            )
        ]
        indexes = [models.Index(fields=["tenant", "status"], name="phonenumber_tenant_status")]

    def __str__(self) -> str:
        return self.number

    @property
    def display_name(self) -> str:
        return self.friendly_name or self.number

    @property
    def formatted(self) -> str:
        """The number as people write it: (919) 555-0101."""
        try:
            parsed = phonenumbers.parse(self.number, None)
        except phonenumbers.NumberParseException:
            return self.number
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)

    def mark(self, status: str, reason: str = "") -> None:
        self.status = status
        self.status_reason = reason
        if status == self.Status.ACTIVE and self.activated_at is None:
            self.activated_at = timezone.now()
        if status == self.Status.RELEASED:
            self.released_at = timezone.now()
