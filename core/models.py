"""Rows of the cross-cutting mechanisms. ``core`` imports no app: tenants are named by string."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

MAX_KEY_LENGTH = 255


class IdempotentRequest(models.Model):
    """An API request sent with an Idempotency-Key, and what it created.

    One row per (tenant, scope, key), written in the transaction that creates the resource, so a
    concurrent repeat waits on the UNIQUE index until the first commits. Kept until
    ``expires_at``; a periodic task deletes expired rows.
    """

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(
        max_length=40, help_text='What the key guards, e.g. "messages.send" or "numbers.order".'
    )
    key = models.CharField(max_length=MAX_KEY_LENGTH)
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of the canonical request body."
    )
    resource_id = models.CharField(max_length=64, blank=True, help_text="What the request made.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "scope", "key"], name="idempotentrequest_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class Lock(models.Model):
    """A lock held in the database (see core.locks): one row per held lock, its holder's token."""

    name = models.CharField(max_length=200, primary_key=True)
    holder = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name
