"""What carriers require before a number may text: the tenant's business profile, its 10DLC
brand and campaigns (local numbers), toll-free verifications, and line-type lookups of the
numbers it texts."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from tenants.models import TenantOwnedModel

RESUBMIT_WINDOW = timedelta(days=7)


class BusinessProfile(TenantOwnedModel):
    class EntityType(models.TextChoices):
        PRIVATE_PROFIT = "PRIVATE_PROFIT", "Private company"
        PUBLIC_PROFIT = "PUBLIC_PROFIT", "Public company"
        NON_PROFIT = "NON_PROFIT", "Non-profit"
        GOVERNMENT = "GOVERNMENT", "Government"
        SOLE_PROPRIETOR = "SOLE_PROPRIETOR", "Sole proprietor (toll-free only)"

    legal_name = models.CharField(max_length=255, blank=True)
    dba = models.CharField("doing business as", max_length=255, blank=True)
    entity_type = models.CharField(max_length=20, choices=EntityType.choices, blank=True)
    registration_number = models.CharField(max_length=40, blank=True, help_text="EIN for the US")
    registration_type = models.CharField(max_length=20, default="EIN")
    registration_country = models.CharField(max_length=3, default="USA")
    street = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    country = models.CharField(max_length=2, default="US")
    website = models.URLField(blank=True)
    vertical = models.CharField(max_length=20, blank=True)
    contact_first_name = models.CharField(max_length=100, blank=True)
    contact_last_name = models.CharField(max_length=100, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=16, blank=True)
    allow_unregistered_10dlc = models.BooleanField(
        default=False,
        help_text="Send from local numbers not yet on an approved campaign (carriers may surcharge "
        "or filter such texts). Toll-free numbers are never sent from unverified.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="one_profile_per_tenant")]

    def __str__(self) -> str:
        return self.legal_name or "(empty profile)"


class Brand(TenantOwnedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the campaign registry"
        VERIFIED = "verified", "Verified"
        UNVERIFIED = "unverified", "Not verified"

    bandwidth_brand_id = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    status_detail = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="one_brand_per_tenant")]

    def __str__(self) -> str:
        return f"{self.bandwidth_brand_id} ({self.status})"


class Campaign(TenantOwnedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "In carrier review"
        APPROVED = "approved", "Approved by every carrier"
        REJECTED = "rejected", "Rejected"
        SUSPENDED = "suspended", "Suspended"
        EXPIRED = "expired", "Expired"

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="campaigns")
    bandwidth_campaign_id = models.CharField(max_length=20, unique=True)
    use_case = models.CharField(max_length=40)
    sub_use_cases = models.JSONField(default=list, blank=True)
    description = models.TextField()
    samples = models.JSONField(default=list)
    message_flow = models.TextField()
    help_message = models.CharField(max_length=255)
    optout_message = models.CharField(max_length=255)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    carrier_statuses = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.bandwidth_campaign_id} {self.use_case} ({self.status})"


class CampaignAssignment(TenantOwnedModel):
    """A tnoptions order that puts numbers on a campaign; tracked like number orders."""

    class Status(models.TextChoices):
        RECEIVED = "RECEIVED", "Received"
        COMPLETE = "COMPLETE", "Complete"
        PARTIAL = "PARTIAL", "Partial"
        FAILED = "FAILED", "Failed"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assignments")
    customer_order_id = models.CharField(max_length=40, unique=True)
    bandwidth_order_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    numbers = models.JSONField(default=list)
    completed_numbers = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_order_id} ({self.status})"


class AssignedNumber(TenantOwnedModel):
    """A local number Bandwidth confirmed on a campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="numbers")
    number = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="one_campaign_per_number")
        ]


class TollFreeVerification(TenantOwnedModel):
    """One submission for up to 10 toll-free numbers of the tenant."""

    class Status(models.TextChoices):
        PENDING = "pending", "In review"
        VERIFIED = "verified", "Verified"
        DENIED = "denied", "Denied"

    numbers = models.JSONField(default=list)
    use_case = models.CharField(max_length=100)
    use_case_summary = models.TextField()
    sample_message = models.TextField()
    opt_in_description = models.TextField()
    message_volume = models.PositiveIntegerField(default=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    denial_code = models.PositiveIntegerField(null=True, blank=True)
    denial_reason = models.CharField(max_length=500, blank=True)
    resubmit_allowed = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{', '.join(self.numbers)} ({self.status})"

    @property
    def resubmit_deadline(self) -> timezone.datetime | None:
        if self.status != self.Status.DENIED or not self.resubmit_allowed or not self.decided_at:
            return None
        return self.decided_at + RESUBMIT_WINDOW

    @property
    def can_resubmit(self) -> bool:
        deadline = self.resubmit_deadline
        return deadline is not None and timezone.now() < deadline


class LineTypeLookup(TenantOwnedModel):
    class LineType(models.TextChoices):
        MOBILE = "MOBILE", "Mobile"
        VOIP = "VOIP", "VoIP"
        FIXED = "FIXED", "Landline"
        VOIP_FIXED = "VOIP-FIXED", "Fixed VoIP"
        UNKNOWN = "", "Unknown"

    number = models.CharField(max_length=16)
    line_type = models.CharField(max_length=12, choices=LineType.choices, blank=True)
    deactivated = models.BooleanField(default=False)
    carrier = models.CharField(max_length=100, blank=True)
    looked_up_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="one_lookup_per_number")
        ]

    @property
    def textable(self) -> bool:
        return not self.deactivated and self.line_type != self.LineType.FIXED


class ComplianceNotification(models.Model):
    """A raw notification from Bandwidth (tnoptions order, toll-free verification), kept as
    received, with what Parley did with it."""

    class Kind(models.TextChoices):
        TNOPTIONS = "tnoptions", "Campaign assignment (tnoptions)"
        TOLL_FREE = "toll_free", "Toll-free verification"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    body = models.TextField()
    outcome = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.received_at:%Y-%m-%d %H:%M:%S}"


class ComplianceAccount(models.Model):
    """What Parley set up once per Bandwidth account: reseller settings, Parley's own (main)
    brand, and the subscriptions whose notifications come to Parley's compliance webhooks."""

    account_id = models.CharField(max_length=32, unique=True)
    reseller_ready = models.BooleanField(default=False)
    main_brand_id = models.CharField(max_length=20, blank=True)
    main_brand_status = models.CharField(max_length=12, choices=Brand.Status.choices, blank=True)
    main_brand_checked_at = models.DateTimeField(null=True, blank=True)
    tnoptions_subscription_id = models.CharField(max_length=64, blank=True)
    toll_free_subscription_id = models.CharField(max_length=64, blank=True)
    webhook_username = models.CharField(max_length=64, blank=True)
    webhook_password_hash = models.CharField(max_length=64, blank=True, editable=False)
    signing_secret_encrypted = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.account_id
