"""Usage counted as it happens: one row per tenant, day and metric, incremented in place."""

from __future__ import annotations

from django.db import models

from tenants.models import Tenant, TenantOwnedModel


class Metric(models.TextChoices):
    SMS_OUT_SEGMENTS = "sms_out_segments", "SMS segments sent"
    SMS_IN_SEGMENTS = "sms_in_segments", "SMS segments received"
    MMS_OUT = "mms_out", "MMS sent"
    MMS_IN = "mms_in", "MMS received"
    CALL_MINUTES_OUT = "call_minutes_out", "Call minutes, outbound"
    CALL_MINUTES_IN = "call_minutes_in", "Call minutes, inbound"
    NUMBER_DAYS = "number_days", "Active number-days"
    LOOKUPS = "lookups", "Lookups"


class UsageCounter(TenantOwnedModel):
    """The quantity of one metric a tenant used on one day (UTC)."""

    day = models.DateField()
    metric = models.CharField(max_length=20, choices=Metric.choices)
    quantity = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-day", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "day", "metric"], name="usage_counter_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.quantity}"


class UsageLimit(models.Model):
    """A tenant's monthly limits, set by staff; empty means no limit.

    ``warned_*`` keep the first day of the month whose 80% warning went out, so staff hear of
    each limit once a month."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="usage_limit")
    monthly_segments = models.PositiveIntegerField(
        null=True, blank=True, help_text="Outbound SMS segments plus MMS sent per calendar month."
    )
    monthly_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Call minutes, inbound and outbound, per calendar month."
    )
    warned_segments_month = models.DateField(null=True, blank=True, editable=False)
    warned_minutes_month = models.DateField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Usage limits of {self.tenant}"
