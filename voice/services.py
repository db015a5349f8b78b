"""Every write of the voice app: routes, the blocklist, click-to-call, and what voice webhooks
tell us about calls, recordings and voicemail."""

from __future__ import annotations

import hashlib
import logging
import math
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from numbers import ports
from numbers.models import PhoneNumber
from typing import Any, NoReturn

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from bandwidth.callbacks import (
    DisconnectEvent,
    RecordingAvailableEvent,
    TranscriptionAvailableEvent,
    VoiceEvent,
)
from carrier.clients import client_for_tenant
from core import phones
from core.idempotency import idempotency_claim, idempotency_lookup
from tenants import services as tenant_services
from tenants.errors import (
    CallLimitReached,
    OutboundLimitReached,
    ParleyError,
    TooManyConcurrentCalls,
)
from tenants.models import Membership, OutboundChannel, OutboundPolicy, Tenant

from . import routes, selectors
from .models import BlockedNumber, Call, CallEvent, CallRoute, Recording, Voicemail

logger = logging.getLogger(__name__)

MAX_GREETING_BYTES = 5 * 1024 * 1024
GREETING_TYPES = ("audio/mpeg", "audio/mp3", "audio/wav", "audio/x-wav", "audio/wave")
ERROR_CAUSES = ("callback-error", "invalid-bxml", "application-error", "account-limit", "error")
# How a leg that was not answered ended → the call's final status.
UNANSWERED_STATUS = {
    "busy": Call.Status.BUSY,
    "rejected": Call.Status.BUSY,
    "timeout": Call.Status.NO_ANSWER,
    "cancel": Call.Status.CANCELED,
}
CALL_SCOPE = "voice.call"


# --- routes --------------------------------------------------------------------------------------


def compiled_routes_forget(*, phone_number_ids: Iterable[int]) -> None:
    """Drops the compiled routes of these numbers now and again after commit."""
    keys = [selectors.compiled_key(pk) for pk in phone_number_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def _forget_compiled(phone_number_id: int) -> None:
    compiled_routes_forget(phone_number_ids=[phone_number_id])


def on_routes_forgotten(sender: Any, phone_number_ids: Iterable[int], **kwargs: Any) -> None:
    """Receiver of numbers.routing.routes_forgotten, which is itself sent again after commit."""
    cache.delete_many([selectors.compiled_key(pk) for pk in phone_number_ids])


@transaction.atomic
def call_route_save(
    *,
    tenant: Tenant,
    phone_number: PhoneNumber,
    config: Any,
    greeting_audio: UploadedFile | None = None,
) -> CallRoute:
    """Validate a route document and store it for the number; the cached BXML data is rebuilt."""
    if phone_number.tenant_id != tenant.pk or phone_number.status != PhoneNumber.Status.ACTIVE:
        raise ParleyError("This number is not one of your active numbers.", field="number")
    clean = routes.validate_config(config, region=tenant.default_region)
    tenant_services.outbound_destinations_check(
        tenant=tenant, channel=OutboundChannel.CALLS, targets=routes.dial_targets(clean)
    )
    if greeting_audio is not None:
        if greeting_audio.size is None or greeting_audio.size > MAX_GREETING_BYTES:
            raise ParleyError("The greeting file must be at most 5 MB.", field="greeting_audio")
        if (greeting_audio.content_type or "") not in GREETING_TYPES:
            raise ParleyError("The greeting must be an MP3 or WAV file.", field="greeting_audio")
    route = selectors.call_route_for_number(tenant=tenant, phone_number=phone_number)
    has_audio = greeting_audio is not None or (route is not None and bool(route.greeting_audio))
    if clean["greeting"]["kind"] == "audio" and not has_audio:
        raise ParleyError(
            "Upload an audio file for the greeting.", field="greeting.audio", code="invalid_route"
        )
    if route is None:
        route = CallRoute(tenant=tenant, phone_number=phone_number)
    route.config = clean
    if greeting_audio is not None:
        route.greeting_audio.save(greeting_audio.name or "greeting", greeting_audio, save=False)
    route.save()
    _forget_compiled(phone_number.pk)
    return route


def forget_compiled_route(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Signal receiver: any change to a route, a number or a tenant drops the cached route."""
    if isinstance(instance, CallRoute):
        _forget_compiled(instance.phone_number_id)
    elif isinstance(instance, PhoneNumber):
        _forget_compiled(instance.pk)
    elif isinstance(instance, Tenant):
        for pk in selectors.voice_number_list(tenant=instance).values_list("pk", flat=True):
            _forget_compiled(pk)


# --- blocklist -----------------------------------------------------------------------------------


@transaction.atomic
def blocked_number_add(*, tenant: Tenant, number: str, reason: str = "") -> BlockedNumber:
    number = phones.normalize_number(number, field="number", region=tenant.default_region)
    blocked, _ = BlockedNumber.objects.get_or_create(
        tenant=tenant, number=number, defaults={"reason": reason[:200]}
    )
    return blocked


@transaction.atomic
def blocked_number_remove(*, blocked: BlockedNumber) -> None:
    blocked.delete()


# --- click-to-call -------------------------------------------------------------------------------


@tenant_services.alerts_staff_on_limits
@transaction.atomic
def call_create(
    *,
    tenant: Tenant,
    from_number: str,
    to: str,
    agent: str | None,
    membership: Membership | None,
    idempotency_key: str = "",
) -> tuple[Call, bool]:
    """Click-to-call: ring the agent's phone, then transfer to the customer. (call, created);
    a repeated ``idempotency_key`` answers with the first call and dials nothing."""
    body = {"from": from_number, "to": to, "agent": agent}
    earlier = idempotency_lookup(tenant=tenant, scope=CALL_SCOPE, key=idempotency_key, body=body)
    if earlier is not None:
        return _call_of(tenant, earlier), False
    agent = (agent or (membership.phone if membership is not None else "") or "").strip()
    to = (to or "").strip()
    from_number = (from_number or "").strip()
    region = tenant.default_region
    if from_number:
        from_number = phones.normalize_number(from_number, field="from", region=region)
    number = selectors.voice_number_by_e164(tenant=tenant, number=from_number)
    if number is None:
        raise ParleyError(f"{from_number!r} is not one of your active numbers.", field="from")
    to = phones.normalize_number(to, field="to", region=region)
    if not agent:
        raise ParleyError(
            "Give the phone to ring first: set your phone in your profile or pass agent.",
            field="agent",
        )
    agent = phones.normalize_number(agent, field="agent", region=region)
    tenant_services.outbound_destinations_check(
        tenant=tenant, channel=OutboundChannel.CALLS, targets=[("to", to), ("agent", agent)]
    )
    if to in (agent, from_number):
        raise ParleyError("The customer's number must differ from yours.", field="to")
    if selectors.is_blocked(tenant=tenant, number=to):
        raise ParleyError(f"{to} is on your blocklist.", field="to", code="blocked")
    provisioning = getattr(tenant, "provisioning", None)
    if provisioning is None or not provisioning.voice_application_id:
        raise ParleyError("Calling is not set up for this account yet.", code="not_provisioned")
    claim = idempotency_claim(tenant=tenant, scope=CALL_SCOPE, key=idempotency_key, body=body)
    if claim.replay_of is not None:
        return _call_of(tenant, claim.replay_of), False
    _check_call_limits(tenant=tenant, to=to)
    call = Call.objects.create(
        tenant=tenant,
        phone_number=number,
        our_number=from_number,
        other_party=to,
        agent_number=agent,
        direction=Call.Direction.OUTBOUND,
        status=Call.Status.QUEUED,
        created_by=membership.user if membership is not None else None,
        handled_by=membership.user if membership is not None else None,
    )
    claim.complete(call.pk)
    call_id = call.pk
    transaction.on_commit(lambda: _enqueue_dial(call_id))
    return call, True


def _call_of(tenant: Tenant, call_id: str) -> Call:
    return selectors.call_get(tenant=tenant, pk=call_id)


LIMIT_WINDOWS = {
    "calls_per_hour": timedelta(hours=1),
    "new_destinations_per_day": timedelta(days=1),
}


def _retry_after(times: list[datetime], limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until enough of ``times`` (ascending, all inside the window) leave it to free a
    slot under ``limit``."""
    if limit == 0 or not times:
        return math.ceil(window.total_seconds())
    freeing = times[len(times) - limit]
    return max(1, math.ceil((freeing + window - now).total_seconds()))


def _wait_words(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _check_call_limits(*, tenant: Tenant, to: str) -> OutboundPolicy:
    """The tenant's call limits, counted under the lock of its policy row (held until the call
    is stored, so two requests cannot both take the last slot)."""
    policy = tenant_services.outbound_policy_lock(tenant=tenant)
    now = timezone.now()

    def refuse(error: type[OutboundLimitReached], limit: str, message: str, **kw: Any) -> NoReturn:
        raise error(message, tenant_id=tenant.pk, tenant_name=tenant.name, limit=limit, **kw)

    live = selectors.outbound_calls_live(tenant=tenant, now=now)
    if live >= policy.max_concurrent_calls:
        refuse(
            TooManyConcurrentCalls,
            "concurrent_calls",
            f"{live} calls are in progress, the most this account may have at once "
            f"({policy.max_concurrent_calls}); place this one when one ends.",
        )
    window = LIMIT_WINDOWS["calls_per_hour"]
    placed = selectors.outbound_call_times(tenant=tenant, since=now - window)
    if len(placed) >= policy.max_calls_per_hour:
        wait = _retry_after(placed, policy.max_calls_per_hour, window, now)
        refuse(
            CallLimitReached,
            "calls_per_hour",
            f"This account placed {len(placed)} calls in the last hour, its limit "
            f"({policy.max_calls_per_hour}); try again in {_wait_words(wait)}.",
            retry_after=wait,
        )
    if not selectors.has_called(tenant=tenant, number=to):
        window = LIMIT_WINDOWS["new_destinations_per_day"]
        firsts = selectors.new_destination_times(tenant=tenant, since=now - window)
        if len(firsts) >= policy.max_new_destinations_per_day:
            wait = _retry_after(firsts, policy.max_new_destinations_per_day, window, now)
            refuse(
                CallLimitReached,
                "new_destinations_per_day",
                f"This account called {len(firsts)} numbers for the first time in the last 24 "
                f"hours, its limit ({policy.max_new_destinations_per_day}); {to} would be "
                f"another. Try again in {_wait_words(wait)}.",
                retry_after=wait,
            )
    return policy


def _enqueue_dial(call_id: int) -> None:
    from .tasks import call_dial_task

    call_dial_task.delay(call_id)


def call_dial(*, call: Call) -> Call:
    """Ask Bandwidth to ring the agent. Bandwidth's errors propagate: the task's retry policy
    (core.retries) retries a 429 or a clean transient error and ends the call through
    ``call_dial_failed`` otherwise; a timeout after the request went out is never dialled again.

    The attempt is committed before the request, because Bandwidth may call back (answer,
    disconnect) before the request returns.
    """
    with transaction.atomic():
        locked = Call.objects.select_for_update().select_related("tenant").get(pk=call.pk)
        if locked.status != Call.Status.QUEUED or locked.bandwidth_call_id:
            return locked
        locked.dial_attempts += 1
        locked.save(update_fields=["dial_attempts", "updated_at"])
    tenant = locked.tenant
    provisioning = getattr(tenant, "provisioning", None)
    hook = routes.webhook_url(call=locked.pk)
    username, password = selectors.call_callback_credentials(locked.pk)
    created = client_for_tenant(tenant).voice.create_call(
        application_id=provisioning.voice_application_id if provisioning else "",
        from_=locked.our_number,
        to=locked.agent_number,
        answer_url=hook,
        disconnect_url=hook,
        username=username,
        password=password,
        call_timeout=30,
        tag=f"parley-call-{locked.pk}",
    )
    with transaction.atomic():
        # Callbacks may already have moved the call on; only a still-queued call changes here.
        Call.objects.filter(pk=locked.pk, bandwidth_call_id=None).update(
            bandwidth_call_id=created.call_id
        )
        Call.objects.filter(pk=locked.pk, status=Call.Status.QUEUED).update(
            status=Call.Status.INITIATED, started_at=timezone.now()
        )
    return Call.objects.get(pk=locked.pk)


def call_dial_failed(*, call_id: int, reason: str, ambiguous: bool = False) -> Call | None:
    """The dial gave up (a refusal, the horizon passed, or no answer in time): the call fails
    with the reason; a call Bandwidth may have placed is not dialled again."""
    call = Call.objects.filter(pk=call_id).first()
    if call is None:
        return None
    if ambiguous:
        reason = f"Bandwidth did not answer in time; not dialled again: {reason}"
    return _dial_failed(call, reason)


@transaction.atomic
def _dial_failed(call: Call, message: str) -> Call:
    Call.objects.filter(pk=call.pk, status=Call.Status.QUEUED).update(
        status=Call.Status.FAILED,
        cause="error",
        error_message=message[:300],
        ended_at=timezone.now(),
    )
    return Call.objects.get(pk=call.pk)


# --- voice webhooks ------------------------------------------------------------------------------


def _dedupe_key(event: VoiceEvent, step: str) -> str:
    raw = getattr(event, "raw", {}) or {}
    parts = [
        str(raw.get("eventType", "")),
        str(raw.get("callId", "")),
        str(raw.get("eventTime", "")),
        str(raw.get("recordingId", "")),
        step,
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _summary(event: VoiceEvent, note: str) -> str:
    raw = getattr(event, "raw", {}) or {}
    bits = [note]
    for name in ("digits", "cause", "transferTo", "recordingId"):
        if raw.get(name):
            bits.append(f"{name}={raw[name]}")
    return " ".join(bit for bit in bits if bit)[:300]


def _record_event(call: Call, event: VoiceEvent, step: str, note: str) -> bool:
    """Store the event once; False when it was already stored (a retry or a replay)."""
    raw = getattr(event, "raw", {}) or {}
    event_time = getattr(event, "event_time", None)
    try:
        with transaction.atomic():
            CallEvent.objects.create(
                tenant_id=call.tenant_id,
                call=call,
                event_type=str(raw.get("eventType", "")),
                dedupe_key=_dedupe_key(event, step),
                step=step[:80],
                summary=_summary(event, note),
                payload=raw,
                event_time=event_time or timezone.now(),
            )
    except IntegrityError:
        return False
    return True


@transaction.atomic
def call_inbound_start(
    *, tenant_id: uuid.UUID, phone_number_id: int, event: VoiceEvent, step: str
) -> Call:
    """An inbound call's initiate: the Call row (once) and the event."""
    raw = getattr(event, "raw", {}) or {}
    call_id = str(raw.get("callId", ""))
    call = selectors.call_by_bandwidth_id(tenant_id=tenant_id, bandwidth_call_id=call_id)
    if call is None:
        try:
            with transaction.atomic():
                call = Call.objects.create(
                    tenant_id=tenant_id,
                    phone_number_id=phone_number_id,
                    our_number=str(raw.get("to", "")),
                    other_party=str(raw.get("from", ""))[:64],
                    direction=Call.Direction.INBOUND,
                    bandwidth_call_id=call_id,
                    status=Call.Status.IN_PROGRESS,
                    started_at=getattr(event, "start_time", None) or timezone.now(),
                    steps=[step],
                )
        except IntegrityError:
            call = Call.objects.get(bandwidth_call_id=call_id, tenant_id=tenant_id)
    _record_event(call, event, step, f"route {step}")
    return call


@transaction.atomic
def call_event_note(*, call: Call, event: VoiceEvent, step: str, note: str = "") -> bool:
    """A callback that moved the call along a route step; the step joins the call's trail."""
    stored = _record_event(call, event, step, note or step)
    if stored and note:
        locked = Call.objects.select_for_update().get(pk=call.pk)
        locked.steps = [*locked.steps, note][:100]
        locked.save(update_fields=["steps", "updated_at"])
    return stored


@transaction.atomic
def call_agent_answered(*, call: Call, event: VoiceEvent) -> None:
    """Click-to-call: the agent picked up; Parley now transfers to the customer."""
    if not _record_event(call, event, "c2c", "agent answered"):
        return
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.is_final:
        return
    locked.status = Call.Status.IN_PROGRESS
    locked.answered_at = getattr(event, "answer_time", None) or timezone.now()
    locked.started_at = locked.started_at or getattr(event, "start_time", None) or timezone.now()
    if not locked.bandwidth_call_id:
        locked.bandwidth_call_id = str(event.raw.get("callId", "")) or None
    locked.steps = [*locked.steps, "agent answered"]
    locked.save()


@transaction.atomic
def call_transfer_answered(*, call: Call, event: VoiceEvent, step: str) -> None:
    """A phone of a ring group (or the customer in click-to-call) picked up."""
    if not _record_event(call, event, step, "answered"):
        return
    number = str(getattr(event, "to", "") or "")
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.direction == Call.Direction.INBOUND:
        locked.answered_by_number = number[:64]
        member = selectors.member_for_phone(tenant_id=locked.tenant_id, phone=number)
        if member is not None:
            locked.handled_by = member.user
        locked.answered_at = locked.answered_at or timezone.now()
    locked.steps = [*locked.steps, f"answered by {number}"]
    locked.save()


@transaction.atomic
def call_transfer_completed(*, call: Call, event: VoiceEvent, step: str, note: str) -> None:
    """A transfer ended: its cause says whether anybody answered."""
    if not _record_event(call, event, step, note):
        return
    cause = str(event.raw.get("cause") or "")
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.direction == Call.Direction.OUTBOUND:
        locked.transfer_outcome = cause[:40]
    locked.steps = [*locked.steps, note]
    locked.save()


def _final_status(call: Call, cause: str) -> str:
    if cause in ERROR_CAUSES:
        return Call.Status.FAILED
    if call.direction == Call.Direction.INBOUND:
        return Call.Status.COMPLETED if call.answered_by_number else Call.Status.NO_ANSWER
    if call.transfer_outcome:
        outcome = call.transfer_outcome
        if outcome == routes.ANSWERED_CAUSE:
            return Call.Status.COMPLETED
        if outcome in ERROR_CAUSES:
            return Call.Status.FAILED
        return UNANSWERED_STATUS.get(outcome, Call.Status.FAILED)
    if cause in UNANSWERED_STATUS:
        return UNANSWERED_STATUS[cause]
    return Call.Status.CANCELED


@transaction.atomic
def call_finish(*, call: Call, event: DisconnectEvent) -> Call:
    """disconnect: the Call ends with its cause (once); a missed inbound call may get a text."""
    if not _record_event(call, event, "", "disconnected"):
        return call
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.is_final:
        return locked
    cause = event.cause or ""
    locked.cause = cause[:40]
    locked.error_message = (event.error_message or "")[:300]
    locked.ended_at = event.end_time or timezone.now()
    locked.status = _final_status(locked, cause)
    begun = locked.answered_at or locked.started_at
    if begun is not None and locked.ended_at is not None:
        locked.duration = max(0, int((locked.ended_at - begun).total_seconds()))
    if not locked.bandwidth_call_id:
        locked.bandwidth_call_id = event.call_id
    locked.save()
    if locked.direction == Call.Direction.INBOUND and locked.status == Call.Status.NO_ANSWER:
        call_pk = locked.pk
        transaction.on_commit(lambda: _enqueue_missed_call_text(call_pk))
    return locked


def _enqueue_missed_call_text(call_id: int) -> None:
    from .tasks import missed_call_text_task

    missed_call_text_task.delay(call_id)


def _enqueue_download(recording_id: int) -> None:
    from .tasks import recording_download_task

    recording_download_task.delay(recording_id)


def _enqueue_transcription(recording_id: int) -> None:
    from .tasks import recording_transcription_task

    recording_transcription_task.delay(recording_id)


def _recording_row(call: Call, event: VoiceEvent) -> tuple[Recording, bool]:
    recording_id = str(event.raw.get("recordingId", ""))
    try:
        with transaction.atomic():
            return Recording.objects.get_or_create(
                bandwidth_recording_id=recording_id,
                defaults={"tenant_id": call.tenant_id, "call": call},
            )
    except IntegrityError:
        return Recording.objects.get(bandwidth_recording_id=recording_id), False


def _apply_recording_facts(recording: Recording, event: VoiceEvent) -> None:
    seconds = getattr(event, "duration_seconds", None)
    if seconds is not None:
        recording.duration = seconds
    file_format = getattr(event, "file_format", None)
    if file_format:
        recording.file_format = file_format[:8]


@transaction.atomic
def recording_store(*, call: Call, event: VoiceEvent, kind: str, step: str) -> Recording | None:
    """recordComplete / recordingAvailable: the Recording (once), its voicemail, its media."""
    if not _record_event(call, event, step, f"{kind} recording"):
        return None
    recording, _ = _recording_row(call, event)
    recording = Recording.objects.select_for_update().get(pk=recording.pk)
    if recording.call_id != call.pk:
        return None
    _apply_recording_facts(recording, event)
    if kind == "voicemail" and recording.transcription_status == Recording.TranscriptionStatus.NONE:
        recording.transcription_status = Recording.TranscriptionStatus.PROCESSING
    recording.save()
    if kind == "voicemail":
        Voicemail.objects.get_or_create(
            call=call, defaults={"tenant_id": call.tenant_id, "recording": recording}
        )
    if isinstance(event, RecordingAvailableEvent) and not recording.media_file:
        recording_pk = recording.pk
        transaction.on_commit(lambda: _enqueue_download(recording_pk))
    return recording


@transaction.atomic
def recording_transcription_ready(
    *, call: Call, event: TranscriptionAvailableEvent, step: str
) -> Recording | None:
    if not _record_event(call, event, step, "transcription ready"):
        return None
    recording, _ = _recording_row(call, event)
    if recording.call_id != call.pk:
        return None
    status = (event.transcription.status if event.transcription else None) or "available"
    if status != "available":
        recording.transcription_status = Recording.TranscriptionStatus.ERROR
        recording.save(update_fields=["transcription_status", "updated_at"])
        return recording
    recording_pk = recording.pk
    transaction.on_commit(lambda: _enqueue_transcription(recording_pk))
    return recording


@transaction.atomic
def recording_download(*, recording: Recording) -> Recording:
    """Fetch the recording's media from Bandwidth (with the tenant's credentials) and keep it."""
    recording = (
        Recording.objects.select_for_update().select_related("call", "tenant").get(pk=recording.pk)
    )
    if recording.media_file:
        return recording
    call = recording.call
    # Bandwidth's errors propagate: the task's retry policy retries or calls
    # recording_download_failed.
    content, content_type = client_for_tenant(recording.tenant).voice.download_recording(
        call.bandwidth_call_id or "", recording.bandwidth_recording_id
    )
    extension = "mp3" if "mpeg" in content_type else "wav"
    recording.media_file.save(
        f"{recording.bandwidth_recording_id}.{extension}", ContentFile(content), save=False
    )
    recording.file_format = recording.file_format or extension
    recording.media_downloaded_at = timezone.now()
    recording.download_error = ""
    recording.save()
    return recording


@transaction.atomic
def recording_fetch_transcription(*, recording: Recording) -> Recording:
    recording = (
        Recording.objects.select_for_update().select_related("call", "tenant").get(pk=recording.pk)
    )
    if recording.transcription_status == Recording.TranscriptionStatus.AVAILABLE:
        return recording
    # Bandwidth's errors propagate, as for the download.
    transcription = client_for_tenant(recording.tenant).voice.get_transcription(
        recording.call.bandwidth_call_id or "", recording.bandwidth_recording_id
    )
    recording.transcription_text = transcription.text
    recording.transcription_status = Recording.TranscriptionStatus.AVAILABLE
    recording.save(update_fields=["transcription_text", "transcription_status", "updated_at"])
    return recording


@transaction.atomic
def recording_download_failed(*, recording_id: int, reason: str) -> None:
    """The media could not be fetched (a refusal, or the retry horizon passed): keep the reason;
    the reconciler leaves recordings with an error alone."""
    Recording.objects.filter(pk=recording_id, media_file="").update(
        download_error=reason[:300], updated_at=timezone.now()
    )


@transaction.atomic
def recording_transcription_failed(*, recording_id: int, reason: str) -> None:
    logger.warning("transcription of recording %s: %s", recording_id, reason)
    Recording.objects.filter(pk=recording_id).exclude(
        transcription_status=Recording.TranscriptionStatus.AVAILABLE
    ).update(transcription_status=Recording.TranscriptionStatus.ERROR, updated_at=timezone.now())


# --- missed-call text and voicemail --------------------------------------------------------------


def send_text(*, tenant: Tenant, from_number: str, to: str, text: str) -> Any:
    """The messaging app's send path. Not a keyword reply: the daily cap and the opt-out checks
    (at send and again at dispatch) apply as to any text."""
    return ports.send_text(tenant=tenant, from_number=from_number, to=to, text=text)


def call_send_missed_text(*, call: Call) -> bool:
    """The route's automatic text after a missed call, sent once; opt-outs are messaging's rule."""
    with transaction.atomic():
        locked = Call.objects.select_for_update().select_related("tenant").get(pk=call.pk)
        if locked.missed_text_sent or locked.phone_number_id is None:
            return False
        compiled = selectors.compile_route(phone_number_id=locked.phone_number_id)
        text = compiled["config"].get("missed_call_text", "") if compiled else ""
        if not text or not phones.is_e164(locked.other_party):
            return False
        locked.missed_text_sent = True
        locked.save(update_fields=["missed_text_sent", "updated_at"])
    try:
        send_text(
            tenant=locked.tenant, from_number=locked.our_number, to=locked.other_party, text=text
        )
    except ParleyError as exc:
        logger.info("missed-call text for call %s not sent: %s", locked.pk, exc.message)
        return False
    return True


@transaction.atomic
def voicemail_mark(*, voicemail: Voicemail, listened: bool, user: Any | None) -> Voicemail:
    voicemail.listened = listened
    voicemail.listened_at = timezone.now() if listened else None
    voicemail.listened_by = user if listened and getattr(user, "pk", None) else None
    voicemail.save(update_fields=["listened", "listened_at", "listened_by"])
    return voicemail


# --- reconciliation ------------------------------------------------------------------------------

STUCK_AFTER = timedelta(minutes=2)


def voice_reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """Re-queue voice work a lost task left behind (Redis or a worker down).

    A click-to-call never tried is dialled again; one that was tried without an answer is failed
    rather than dialled twice. Recordings without media or with a pending transcription are
    fetched again.
    """
    moment = now or timezone.now()
    cutoff = moment - STUCK_AFTER
    counts = {"dialled": 0, "abandoned": 0, "downloads": 0, "transcriptions": 0}
    for call in selectors.calls_stuck_queued(before=cutoff):
        if call.dial_attempts == 0:
            _enqueue_dial(call.pk)
            counts["dialled"] += 1
        else:
            _dial_failed(call, "The call request got no answer from Bandwidth; not retried.")
            counts["abandoned"] += 1
    for recording in selectors.recordings_missing_media(before=cutoff):
        _enqueue_download(recording.pk)
        counts["downloads"] += 1
    for recording in selectors.recordings_pending_transcription(before=cutoff):
        _enqueue_transcription(recording.pk)
        counts["transcriptions"] += 1
    return counts
