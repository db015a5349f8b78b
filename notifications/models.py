"""What people are told about: new inbound texts, missed calls and voicemail, and the reads that
change the unread total. One row per happening, written in the same transaction as its source."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from messaging.models import Conversation
from tenants.models import Membership, TenantOwnedModel


class Event(TenantOwnedModel):
    class Kind(models.TextChoices):
        TEXT = "text", "New text"
        MISSED_CALL = "missed_call", "Missed call"
        VOICEMAIL = "voicemail", "New voicemail"
        READ = "read", "Conversation read"

    NOTIFIED = (Kind.TEXT, Kind.MISSED_CALL, Kind.VOICEMAIL)

    kind = models.CharField(max_length=12, choices=Kind.choices)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(
        default=0, help_text="The message, call or voicemail it is about."
    )
    number = models.CharField(max_length=64, blank=True, help_text="The other party.")
    preview = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_id"],
                condition=~models.Q(kind="read"),
                name="notification_event_once",
            )
        ]
        indexes = [models.Index(fields=["tenant", "-id"], name="notification_event_latest")]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id} of {self.tenant_id}"


class AwayEmail(models.Model):
    """Where a member's emails while away have got to: at most one per interval."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="away_email"
    )
    last_event_id = models.PositiveBigIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"away emails of {self.membership_id}"
