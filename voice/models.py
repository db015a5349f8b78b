from __future__ import annotations

import secrets
from numbers.models import PhoneNumber
from typing import Any

from django.conf import settings
from django.db import models, transaction

from tenants.models import TenantOwnedModel, TenantQuerySet


def _audio_token() -> str:
    return secrets.token_urlsafe(24)


class CallRouteQuerySet(TenantQuerySet):
    """``update()`` and ``delete()`` drop the compiled routes of the numbers they touch, as
    ``call_route_save`` and the save/delete signals do."""

    def _numbers(self) -> list[int]:
        return list(self.values_list("phone_number_id", flat=True))

    def update(self, **kwargs: Any) -> int:
        from .services import compiled_routes_forget

        with transaction.atomic(using=self.db):
            numbers = self._numbers()
            count = super().update(**kwargs)
        compiled_routes_forget(phone_number_ids=numbers)
        return count

    update.alters_data = True  # type: ignore[attr-defined]

    def delete(self) -> tuple[int, dict[str, int]]:
        from .services import compiled_routes_forget

        with transaction.atomic(using=self.db):
            numbers = self._numbers()
            deleted = super().delete()
        compiled_routes_forget(phone_number_ids=numbers)
        return deleted

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


class CallRoute(TenantOwnedModel):
    """How calls to one of the tenant's numbers are answered: a validated JSON document.

    The document's shape is described and checked in ``voice.routes``; services compile it (with the
    tenant's timezone) into a cached, serialisable form the BXML webhook reads without a query.
    """

    phone_number = models.OneToOneField(PhoneNumber, on_delete=models.CASCADE, related_name="route")
    config = models.JSONField(default=dict)
    greeting_audio = models.FileField(upload_to="voice/greetings/", blank=True)
    audio_token = models.CharField(max_length=40, default=_audio_token, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallRouteQuerySet.as_manager()

    def __str__(self) -> str:
        return f"route of {self.phone_number_id}"


class Call(TenantOwnedModel):
    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        INITIATED = "initiated", "Ringing"
        IN_PROGRESS = "in-progress", "In progress"
        COMPLETED = "completed", "Completed"
        BUSY = "busy", "Busy"
        NO_ANSWER = "no-answer", "No answer"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"
        BLOCKED = "blocked", "Blocked"

    FINAL_STATUSES = (
        Status.COMPLETED,
        Status.BUSY,
        Status.NO_ANSWER,
        Status.FAILED,
        Status.CANCELED,
        Status.BLOCKED,
    )

    phone_number = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    our_number = models.CharField(max_length=16, help_text="The tenant's number (E.164).")
    other_party = models.CharField(max_length=64, help_text="The customer's number.")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    bandwidth_call_id = models.CharField(max_length=80, unique=True, null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    cause = models.CharField(max_length=40, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration = models.PositiveIntegerField(default=0, help_text="Seconds.")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_by_number = models.CharField(max_length=64, blank=True)
    steps = models.JSONField(default=list, blank=True)
    transfer_outcome = models.CharField(max_length=40, blank=True)
    # Click-to-call: the agent's phone is rung first, then the customer is transferred in.
    agent_number = models.CharField(max_length=16, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dial_attempts = models.PositiveSmallIntegerField(default=0)
    missed_text_sent = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="call_tenant_created"),
            models.Index(fields=["tenant", "other_party"], name="call_tenant_other_party"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.our_number} / {self.other_party} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES


class CallEvent(TenantOwnedModel):
    """One voice webhook of a call, stored once (retries and replays change nothing)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    event_type = models.CharField(max_length=40)
    dedupe_key = models.CharField(max_length=200)
    step = models.CharField(max_length=80, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict)
    event_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event_time", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "dedupe_key"], name="callevent_unique_event")
        ]

    def __str__(self) -> str:
        return f"{self.event_type} of call {self.call_id}"


class Recording(TenantOwnedModel):
    class TranscriptionStatus(models.TextChoices):
        NONE = "none", "None"
        PROCESSING = "processing", "Processing"
        AVAILABLE = "available", "Available"
        ERROR = "error", "Error"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="recordings")
    bandwidth_recording_id = models.CharField(max_length=80, unique=True)
    duration = models.FloatField(default=0, help_text="Seconds.")
    file_format = models.CharField(max_length=8, blank=True)
    media_file = models.FileField(upload_to="voice/recordings/", blank=True)
    media_downloaded_at = models.DateTimeField(null=True, blank=True)
    download_error = models.CharField(max_length=300, blank=True)
    transcription_text = models.TextField(blank=True)
    transcription_status = models.CharField(
        max_length=12, choices=TranscriptionStatus.choices, default=TranscriptionStatus.NONE
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.bandwidth_recording_id


class Voicemail(TenantOwnedModel):
    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="voicemail")
    recording = models.OneToOneField(Recording, on_delete=models.CASCADE, related_name="voicemail")
    listened = models.BooleanField(default=False)
    listened_at = models.DateTimeField(null=True, blank=True)
    listened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "listened"], name="voicemail_tenant_listened")]

    def __str__(self) -> str:
        return f"voicemail of call {self.call_id}"
