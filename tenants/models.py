from __future__ import annotations

import uuid
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone as dj_timezone

from core import phones
from core.destinations import DEFAULT_COUNTRIES

from .signals import tenant_changed


def validate_region(value: str) -> None:
    if not phones.is_region(value):
        raise ValidationError(f"{value!r} is not a region code for phone numbers (like US or GB).")


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            f"{value!r} is not a known time zone (use an IANA name like America/New_York)."
        )


class TenantRowQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """``Tenant.objects``: ``update()`` and ``delete()`` send ``tenant_changed`` like the services,
    so a bulk write cannot leave caches about these tenants stale."""

    def update(self, **kwargs: Any) -> int:
        with transaction.atomic(using=self.db):
            ids = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            tenant_changed.send(sender=Tenant, tenant_ids=ids)
        return count

    update.alters_data = True  # type: ignore[attr-defined]

    def delete(self) -> tuple[int, dict[str, int]]:
        with transaction.atomic(using=self.db):
            tenant_changed.send(sender=Tenant, tenant_ids=list(self.values_list("pk", flat=True)))
            return super().delete()

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


class Tenant(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    timezone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_timezone]
    )
    created_at = models.DateTimeField(default=dj_timezone.now, editable=False)
    default_region = models.CharField(
        max_length=2,
        default=phones.DEFAULT_REGION,
        validators=[validate_region],
        help_text="Region (like US or GB) of phone numbers written without a country code.",
    )
    number_limit = models.PositiveIntegerField(
        default=10, help_text="Most phone numbers this tenant may hold at once."
    )
    require_two_factor = models.BooleanField(
        default=False,
        help_text="Members must sign in with a one-time code from an authenticator app.",
    )

    objects = TenantRowQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            tenant_changed.send(sender=Tenant, tenant_ids=[self.pk])
            return super().delete(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class TenantQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def for_tenant(self, tenant: Tenant) -> TenantQuerySet:
        return self.filter(tenant=tenant)


class TenantOwnedModel(models.Model):
    """Base for every row that belongs to one tenant.

    Reads go through ``Model.objects.for_tenant(tenant)`` inside a selector; nothing outside
    selectors, services and the admin touches the manager (tests/test_scoping.py checks it).
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=dj_timezone.now, editable=False, db_index=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class Membership(TenantOwnedModel):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        AGENT = "agent", "Agent"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.AGENT)
    phone = models.CharField(
        max_length=16, blank=True, help_text="E.164 phone rung first for click-to-call."
    )
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="This member's time zone; empty follows the tenant's.",
    )
    notify_browser = models.BooleanField(
        default=True, help_text="Browser notifications for new texts, missed calls, voicemail."
    )
    notify_sound = models.BooleanField(default=False, help_text="A sound with each notification.")
    notify_email = models.BooleanField(
        default=True, help_text="An email (at most one per 10 minutes) while away."
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant_id} as {self.role}"

    @property
    def effective_timezone(self) -> str:
        return self.timezone or self.tenant.timezone

    @property
    def can_manage(self) -> bool:
        """Owners and admins manage members, tokens and numbers; agents do not."""
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class ApiToken(TenantOwnedModel):
    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Write (send, call, change)"
        ADMIN = "admin", "Admin (numbers, members, tokens)"

    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = dj_timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def default_destination_countries() -> list[str]:
    return list(DEFAULT_COUNTRIES)


def validate_countries(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("Give a list of region codes, like US, CA.")
    unknown = [code for code in value if not phones.is_region(code)]
    if unknown:
        raise ValidationError(f"{', '.join(unknown)}: not region codes (like US, CA or JM).")


class OutboundChannel(models.TextChoices):
    CALLS = "calls", "Calls"
    TEXTS = "texts", "Texts"


class OutboundPolicyQuerySet(TenantQuerySet):
    """``update()`` tells the caches built on the policy (compiled call routes) to drop it."""

    def update(self, **kwargs: Any) -> int:
        with transaction.atomic(using=self.db):
            ids = list(self.values_list("tenant_id", flat=True))
            count = super().update(**kwargs)
            tenant_changed.send(sender=Tenant, tenant_ids=ids)
        return count

    update.alters_data = True  # type: ignore[attr-defined]


class OutboundPolicy(TenantOwnedModel):
    """Where one tenant may call and text, and how fast it may place calls: the toll-fraud
    controls. One row per tenant, created with the defaults the first time it is needed; only
    staff change it (in the admin), tenants read it in Settings.

    A row of its own rather than fields on ``Tenant``: placing a call locks it to count calls,
    which must not queue behind (or block) writes to the tenant itself.
    """

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="outbound_policy")
    call_countries = models.JSONField(
        default=default_destination_countries,
        validators=[validate_countries],
        help_text="Region codes (ISO 3166, like US, CA, JM) calls may go to.",
    )
    text_countries = models.JSONField(
        default=default_destination_countries,
        validators=[validate_countries],
        help_text="Region codes texts may go to.",
    )
    allow_premium = models.BooleanField(
        default=False,
        help_text="Premium-rate, shared-cost and personal numbers, and NANP 900 and 976.",
    )
    allow_international_networks = models.BooleanField(
        default=False, help_text="Satellite and international-network numbers (+881, +882, +883)."
    )
    max_concurrent_calls = models.PositiveIntegerField(
        default=10, help_text="Outbound calls in progress at once."
    )
    max_calls_per_hour = models.PositiveIntegerField(
        default=200, help_text="Outbound calls placed in any 60 minutes."
    )
    max_new_destinations_per_day = models.PositiveIntegerField(
        default=100,
        help_text="Numbers this tenant never called before, called in any 24 hours.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = OutboundPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = "outbound policy"
        verbose_name_plural = "outbound policies"

    def __str__(self) -> str:
        return f"outbound policy of {self.tenant_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            tenant_changed.send(sender=Tenant, tenant_ids=[self.tenant_id])

    def countries_for(self, channel: str) -> list[str]:
        return list(
            self.call_countries if channel == OutboundChannel.CALLS else self.text_countries
        )


class BlockedNumber(TenantOwnedModel):
    """A number this tenant blocks: Parley never calls it, and its inbound calls and texts are
    recorded but neither answered nor shown (voice and messaging both ask ``is_number_blocked``)."""

    number = models.CharField(max_length=16)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "voice_blockednumber"  # created by the voice app, moved here
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="blockednumber_unique")
        ]

    def __str__(self) -> str:
        return self.number
