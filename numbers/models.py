from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from core import phones
from tenants.models import TenantOwnedModel, TenantQuerySet

from . import routing


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


class PhoneNumberQuerySet(TenantQuerySet):
    """``update()`` and ``delete()`` forget the cached routes of the rows they change (before and
    after a change of the number itself), as saving or deleting one row does."""

    def update(self, **kwargs: Any) -> int:
        with transaction.atomic(using=self.db):
            rows = list(self.values_list("pk", "number"))
            count = super().update(**kwargs)
            if "number" in kwargs:
                changed = self.model._base_manager.filter(pk__in=[pk for pk, _ in rows])
                rows += list(changed.values_list("pk", "number"))
        routing.forget(rows)
        return count

    update.alters_data = True  # type: ignore[attr-defined]

    def delete(self) -> tuple[int, dict[str, int]]:
        with transaction.atomic(using=self.db):
            rows = list(self.values_list("pk", "number"))
            deleted = super().delete()
        routing.forget(rows)
        return deleted

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


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
        PORTING = "porting", "Porting in"

    class MessagingStatus(models.TextChoices):
        READY = "ready", "Ready to text"
        PENDING = "pending", "Waiting"
        BLOCKED = "blocked", "Blocked"

    HELD_STATUSES = (Status.ORDERING, Status.ACTIVE, Status.RELEASING, Status.PORTING)
    ROUTABLE_STATUSES = (Status.ACTIVE, Status.PORTING)
    """Numbers whose routes and names can be set: active ones, and ones porting in, so they
    answer as the tenant wants from the moment the port completes."""

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
    messaging_status = models.CharField(
        max_length=8,
        choices=MessagingStatus.choices,
        default=MessagingStatus.PENDING,
        help_text="Whether carriers take texts from it; kept by the compliance app.",
    )
    messaging_status_reason = models.CharField(
        max_length=300, blank=True, help_text="What it waits for, or why it is blocked."
    )
    messaging_status_action = models.CharField(
        max_length=300, blank=True, help_text="What the tenant does to unblock it."
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PhoneNumberQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(status__in=["ordering", "active", "releasing", "porting"]),
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
        return phones.format_number(self.number)

    def mark(self, status: str, reason: str = "") -> None:
        self.status = status
        self.status_reason = reason
        if status == self.Status.ACTIVE and self.activated_at is None:
            self.activated_at = timezone.now()
        if status == self.Status.RELEASED:
            self.released_at = timezone.now()
