"""Reads of calls, recordings, voicemails, routes and the blocklist. Every read takes ``tenant=``
except the two the voice webhook needs before it knows a tenant (both keyed by a unique id)."""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime, timedelta
from numbers import selectors as number_selectors
from numbers.models import PhoneNumber
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, Min, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from tenants import services as tenant_services
from tenants.models import Membership, OutboundChannel, Tenant

from . import routes
from .models import Call, CallEvent, CallRoute, Recording, Voicemail

COMPILED_TTL = 24 * 3600


def compiled_key(phone_number_id: int) -> str:
    # 2: compiled routes carry the tenant's destination rules.
    return f"parley:voice-route:2:{phone_number_id}"


# --- numbers and routes


voice_number_list = number_selectors.active_number_list


route_number_list = number_selectors.routable_number_list
"""Numbers whose call route can be edited: active ones and ones still porting in."""


def voice_number_get(*, tenant: Tenant, pk: Any) -> PhoneNumber:
    """A number whose route is shown or edited (active, or porting in)."""
    return get_object_or_404(route_number_list(tenant=tenant), pk=pk)


def voice_number_by_e164(*, tenant: Tenant, number: str) -> PhoneNumber | None:
    return voice_number_list(tenant=tenant).filter(number=number).first()


def call_route_for_number(*, tenant: Tenant, phone_number: PhoneNumber) -> CallRoute | None:
    return CallRoute.objects.for_tenant(tenant).filter(phone_number=phone_number).first()


def route_config(*, tenant: Tenant, phone_number: PhoneNumber) -> dict[str, Any]:
    route = call_route_for_number(tenant=tenant, phone_number=phone_number)
    return route.config if route is not None else routes.default_config(tenant.name)


def compile_route(*, phone_number_id: int) -> dict[str, Any] | None:
    """The serialisable route the BXML webhook answers from (cached; dropped on every change)."""
    key = compiled_key(phone_number_id)
    compiled: dict[str, Any] | None = cache.get(key)
    if compiled is not None:
        return compiled
    number = PhoneNumber.objects.select_related("tenant").filter(pk=phone_number_id).first()
    if number is None:
        return None
    route = CallRoute.objects.filter(phone_number_id=phone_number_id).first()
    compiled = build_compiled(number=number, route=route)
    cache.set(key, compiled, COMPILED_TTL)
    return compiled


def build_compiled(
    *, number: PhoneNumber, route: CallRoute | None, config: dict[str, Any] | None = None
) -> dict[str, Any]:
    tenant = number.tenant
    audio_url = ""
    if route is not None and route.greeting_audio:
        audio_url = routes.webhook_url().split("?")[0] + f"audio/{route.pk}/{route.audio_token}/"
    if config is None:
        config = route.config if route is not None else routes.default_config(tenant.name)
    rules = tenant_services.destination_rules(tenant=tenant, channel=OutboundChannel.CALLS)
    return {
        "phone_number_id": number.pk,
        "tenant_id": str(tenant.pk),
        "number": number.number,
        "timezone": tenant.timezone,
        "audio_url": audio_url,
        "config": config,
        "destinations": routes.destinations_of(rules),
    }


def greeting_audio_route(*, pk: int, token: str) -> CallRoute | None:
    """For Bandwidth fetching a greeting file: the unguessable token stands for a tenant."""
    route = CallRoute.objects.filter(pk=pk).first()
    if route is None or not route.greeting_audio:
        return None
    if not hmac.compare_digest(route.audio_token.encode(), token.encode()):
        return None
    return route


# --- calls


def call_list(*, tenant: Tenant, filters: dict[str, Any] | None = None) -> QuerySet[Call]:
    calls = Call.objects.for_tenant(tenant).select_related("handled_by", "phone_number")
    filters = filters or {}
    if filters.get("direction"):
        calls = calls.filter(direction=filters["direction"])
    if filters.get("status"):
        calls = calls.filter(status=filters["status"])
    if filters.get("number"):
        calls = calls.filter(our_number=filters["number"])
    if filters.get("q"):
        calls = calls.filter(other_party__icontains=filters["q"])
    if filters.get("since"):
        calls = calls.filter(created_at__gte=filters["since"])
    return calls


def call_get(*, tenant: Tenant, pk: Any) -> Call:
    return get_object_or_404(call_list(tenant=tenant), pk=pk)


def call_find(*, tenant_id: uuid.UUID, pk: Any) -> Call | None:
    return Call.objects.filter(tenant_id=tenant_id, pk=pk).first()


def call_load(*, pk: Any) -> Call | None:
    """For tasks, whose ids come from Parley's own services."""
    return Call.objects.select_related("tenant").filter(pk=pk).first()


def call_by_bandwidth_id(*, tenant_id: uuid.UUID, bandwidth_call_id: str) -> Call | None:
    return Call.objects.filter(tenant_id=tenant_id, bandwidth_call_id=bandwidth_call_id).first()


# A call still open this long after it was placed lost its disconnect callback: it no longer
# holds one of the tenant's concurrent-call slots.
LIVE_CALL_HORIZON = timedelta(hours=4)


def _outbound(tenant: Tenant) -> QuerySet[Call]:
    return Call.objects.for_tenant(tenant).filter(direction=Call.Direction.OUTBOUND)


def outbound_calls_live(*, tenant: Tenant, now: datetime) -> int:
    """Outbound calls placed and not yet ended (the concurrent-calls limit)."""
    return (
        _outbound(tenant)
        .filter(created_at__gte=now - LIVE_CALL_HORIZON)
        .exclude(status__in=Call.FINAL_STATUSES)
        .count()
    )


def outbound_call_times(*, tenant: Tenant, since: datetime) -> list[datetime]:
    """When each outbound call since ``since`` was placed, oldest first (calls per hour)."""
    return list(
        _outbound(tenant)
        .filter(created_at__gte=since)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )


def has_called(*, tenant: Tenant, number: str) -> bool:
    return _outbound(tenant).filter(other_party=number).exists()


def new_destination_times(*, tenant: Tenant, since: datetime) -> list[datetime]:
    """When each number first called since ``since`` was first called, oldest first (new
    destinations per day): numbers with no outbound call before ``since``."""
    earlier = _outbound(tenant).filter(other_party=OuterRef("other_party"), created_at__lt=since)
    return list(
        _outbound(tenant)
        .filter(created_at__gte=since)
        .filter(~Exists(earlier))
        .values("other_party")
        .annotate(first=Min("created_at"))
        .order_by("first")
        .values_list("first", flat=True)
    )


def calls_for_contact(*, tenant: Tenant, number: str) -> QuerySet[Call]:
    """Calls with one customer, for the contact's conversation timeline."""
    return call_list(tenant=tenant).filter(other_party=number)


def call_events(*, tenant: Tenant, call: Call) -> QuerySet[CallEvent]:
    return CallEvent.objects.for_tenant(tenant).filter(call=call)


call_callback_credentials = routes.callback_credentials


def callback_tenant_for_call(*, username: str, password: str) -> uuid.UUID | None:
    digits = username[2:]
    if not username.startswith("v-") or not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits) > 18 or not routes.call_callback_password_matches(int(digits), password):
        return None
    return Call.objects.filter(pk=int(digits)).values_list("tenant_id", flat=True).first()


# --- recordings and voicemail


def recording_list(*, tenant: Tenant, call: Call | None = None) -> QuerySet[Recording]:
    recordings = Recording.objects.for_tenant(tenant).select_related("call")
    return recordings if call is None else recordings.filter(call=call)


def recording_get(*, tenant: Tenant, pk: Any) -> Recording:
    return get_object_or_404(recording_list(tenant=tenant), pk=pk)


def recording_find(*, pk: Any) -> Recording | None:
    return Recording.objects.select_related("call", "tenant").filter(pk=pk).first()


def voicemail_list(*, tenant: Tenant, listened: bool | None = None) -> QuerySet[Voicemail]:
    voicemails = Voicemail.objects.for_tenant(tenant).select_related("call", "recording")
    return voicemails if listened is None else voicemails.filter(listened=listened)


def voicemail_get(*, tenant: Tenant, pk: Any) -> Voicemail:
    return get_object_or_404(voicemail_list(tenant=tenant), pk=pk)


# --- people and the blocklist


def member_for_phone(*, tenant_id: uuid.UUID, phone: str) -> Membership | None:
    return (
        Membership.objects.filter(tenant_id=tenant_id, phone=phone).select_related("user").first()
    )


# --- reconciliation (across tenants, by design: it runs for the platform)

RECONCILE_BATCH = 200


def calls_stuck_queued(*, before: datetime) -> QuerySet[Call]:
    return Call.objects.filter(
        status=Call.Status.QUEUED, bandwidth_call_id=None, created_at__lt=before
    ).order_by("created_at")[:RECONCILE_BATCH]


def recordings_missing_media(*, before: datetime) -> QuerySet[Recording]:
    """Recordings announced by recordingAvailable whose media never arrived."""
    return (
        Recording.objects.filter(
            media_file="",
            download_error="",
            created_at__lt=before,
            call__events__event_type="recordingAvailable",
        )
        .distinct()
        .order_by("created_at")[:RECONCILE_BATCH]
    )


def recordings_pending_transcription(*, before: datetime) -> QuerySet[Recording]:
    return (
        Recording.objects.filter(
            transcription_status=Recording.TranscriptionStatus.PROCESSING,
            call__events__event_type="transcriptionAvailable",
            created_at__lt=before,
        )
        .distinct()
        .order_by("created_at")[:RECONCILE_BATCH]
    )
