from __future__ import annotations

import uuid
from datetime import datetime
from numbers.models import PhoneNumber

from django.conf import settings
from django.db import models

from carrier.models import BandwidthAccount
from tenants.models import TenantOwnedModel


class PortInRequest(TenantOwnedModel):
    """One port-in: the numbers, what the losing carrier needs to release them, and Bandwidth's
    order. Statuses are Bandwidth's ProcessingStatus; DRAFT until Parley submits it."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        PENDING_DOCUMENTS = "PENDING_DOCUMENTS", "Waiting for documents"
        SUBMITTED = "SUBMITTED", "Submitted"
        EXCEPTION = "EXCEPTION", "Needs your attention"
        REQUESTED_SUPP = "REQUESTED_SUPP", "Change requested"
        FOC = "FOC", "Date confirmed"
        REQUESTED_CANCEL = "REQUESTED_CANCEL", "Cancellation requested"
        CANCELLED = "CANCELLED", "Cancelled"
        COMPLETE = "COMPLETE", "Complete"

    OPEN_STATUSES = (
        Status.PENDING_DOCUMENTS,
        Status.SUBMITTED,
        Status.EXCEPTION,
        Status.REQUESTED_SUPP,
        Status.FOC,
        Status.REQUESTED_CANCEL,
    )
    CLOSED_STATUSES = (Status.CANCELLED, Status.COMPLETE)

    numbers = models.JSONField(default=list)
    phone_numbers = models.ManyToManyField(PhoneNumber, blank=True, related_name="port_ins")
    toll_free = models.BooleanField(default=False)
    wireless = models.BooleanField(default=False)
    losing_carrier = models.CharField(max_length=120, blank=True)
    account_name = models.CharField(
        max_length=120, help_text="The name on the account with the current carrier."
    )
    house_number = models.CharField(max_length=20, blank=True)
    street_name = models.CharField(max_length=120, blank=True)
    city = models.CharField(max_length=80, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)
    account_number = models.CharField(max_length=40, blank=True)
    pin_encrypted = models.TextField(blank=True, editable=False)
    authorizing_person = models.CharField(max_length=120)
    requested_foc_date = models.DateField(
        null=True, blank=True, help_text="Empty for the earliest date the carriers allow."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    exception_reason = models.CharField(max_length=500, blank=True)
    foc_at = models.DateTimeField(null=True, blank=True)
    customer_order_id = models.CharField(max_length=40, unique=True)
    bandwidth_order_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    loa_signed_name = models.CharField(max_length=120, blank=True)
    loa_signed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    moved_at = models.DateTimeField(
        null=True, blank=True, help_text="When Bandwidth last moved it (notification or sync)."
    )
    synced_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "moved_at"], name="portin_open_idx")]

    def __str__(self) -> str:
        return f"port-in {self.customer_order_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_encrypted)

    def foc_within(self, now: datetime, hours: int = 24) -> bool:
        if self.status != self.Status.FOC or self.foc_at is None:
            return False
        return (self.foc_at - now).total_seconds() < hours * 3600


def document_path(instance: PortInDocument, filename: str) -> str:
    """Under the tenant's folder with a random name: the original name is kept on the row only."""
    return f"porting/{instance.tenant_id}/{uuid.uuid4().hex}"


class PortInDocument(TenantOwnedModel):
    class Kind(models.TextChoices):
        LOA = "loa", "Letter of authorization"
        BILL = "bill", "Recent bill"
        OTHER = "other", "Other"

    BANDWIDTH_TYPES = {"loa": "LOA", "bill": "INVOICE", "other": "OTHER"}

    port_in = models.ForeignKey(PortInRequest, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    file = models.FileField(upload_to=document_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    bandwidth_file_name = models.CharField(max_length=200, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name}"


class PortInEvent(TenantOwnedModel):
    """The history of a port-in: status changes and notes, Bandwidth's and Parley's."""

    class Kind(models.TextChoices):
        STATUS = "status", "Status"
        NOTE = "note", "Note"

    port_in = models.ForeignKey(PortInRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=20, blank=True)
    text = models.CharField(max_length=500, blank=True)
    author = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.text[:40]}"


class PortInSubscription(models.Model):
    """The account's ``portins`` notification subscription and the credentials it calls with
    (kept hashed, as the order subscriptions' are)."""

    account = models.OneToOneField(
        BandwidthAccount, on_delete=models.CASCADE, related_name="portin_subscription"
    )
    subscription_id = models.CharField(max_length=64)
    username = models.CharField(max_length=64, unique=True)
    password_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"portins subscription of {self.account}"
