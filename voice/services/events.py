"""What Bandwidth's voice callbacks change: call state, transfers, the end of a call, and the
missed-call text it may trigger."""

from __future__ import annotations

import hashlib
import logging
import math
import uuid
from numbers import ports
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from bandwidth.callbacks import (
    DisconnectEvent,
    VoiceEvent,
)
from core import phones
from tenants.errors import (
    ParleyError,
)
from tenants.models import Tenant
from usage.models import Metric
from usage.services import usage_record

from .. import routes, selectors
from ..models import Call, CallEvent
from .outbox import report_call_completed, report_call_started

logger = logging.getLogger(__name__)

ERROR_CAUSES = ("callback-error", "invalid-bxml", "application-error", "account-limit", "error")


# How a leg that was not answered ended → the call's final status.
UNANSWERED_STATUS = {
    "busy": Call.Status.BUSY,
    "rejected": Call.Status.BUSY,
    "timeout": Call.Status.NO_ANSWER,
    "cancel": Call.Status.CANCELED,
}


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
    *,
    tenant_id: uuid.UUID,
    phone_number_id: int,
    event: VoiceEvent,
    step: str,
    status: str = Call.Status.IN_PROGRESS,
) -> Call:
    """An inbound call's initiate: the Call row (once) and the event. A blocked caller's call
    is recorded ``blocked`` (final: no voicemail, no missed-call text, nobody notified)."""
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
                    status=status,
                    started_at=getattr(event, "start_time", None) or timezone.now(),
                    ended_at=timezone.now() if status == Call.Status.BLOCKED else None,
                    steps=[step],
                )
                report_call_started(call)
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
    report_call_completed(locked)
    _record_minutes(locked)
    if locked.direction == Call.Direction.INBOUND and locked.status == Call.Status.NO_ANSWER:
        call_pk = locked.pk
        transaction.on_commit(lambda: _enqueue_missed_call_text(call_pk))
    return locked


def _record_minutes(call: Call) -> None:
    """Billed minutes of a call, each call rounded up to the whole minute. An inbound call is
    answered by Parley's BXML from its start; a click-to-call counts once the agent answered."""
    inbound = call.direction == Call.Direction.INBOUND
    if not call.duration or (not inbound and not call.answered_at):
        return
    metric = Metric.CALL_MINUTES_IN if inbound else Metric.CALL_MINUTES_OUT
    usage_record(tenant=call.tenant, metric=metric, quantity=math.ceil(call.duration / 60))


def _enqueue_missed_call_text(call_id: int) -> None:
    from ..tasks import missed_call_text_task

    missed_call_text_task.delay(call_id)


def _enqueue_download(recording_id: int) -> None:
    from ..tasks import recording_download_task

    recording_download_task.delay(recording_id)


def _enqueue_transcription(recording_id: int) -> None:
    from ..tasks import recording_transcription_task

    recording_transcription_task.delay(recording_id)


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
