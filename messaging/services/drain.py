"""The drain: stored events turned into contacts, conversations, messages and statuses by
several drainers at once (SKIP LOCKED batches); replay and purge of raw events."""

from __future__ import annotations

import json
import logging
import random
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, transaction
from django.utils import timezone

from bandwidth.callbacks import (
    MessageReceived,
    MessageStatusEvent,
    MessagingEvent,
    parse_messaging_callbacks,
    parse_messaging_elements,
)
from core.batch import batch
from core.locks import Lock, first_free
from tenants.errors import ParleyError
from tenants.models import Tenant
from tenants.selectors import is_number_blocked
from usage.services import usage_batch

from ..models import (
    RawEvent,
)
from .events import (
    inbound_from_blocked,
    inbound_message_record,
    status_event_apply,
    status_events_apply_unmatched,
)
from .inbound import _initial_outcome, _storable, our_number

logger = logging.getLogger("parley.messaging")

DRAIN_HELP = "messaging:drain-help"


DRAIN_WANTED = "messaging:drain-wanted"


DRAIN_SLOT_SECONDS = 30


DRAIN_BATCH = 50


DRAIN_BUDGET_SECONDS = 60.0


DRAIN_LINGER_SECONDS = 2.5


DRAIN_POLL_SECONDS = 0.2


def raw_events_drain(*, batch_size: int = DRAIN_BATCH) -> int:
    """Processes pending raw events in batches until none is left; returns how many it handled.
    Drainers share the work (SELECT ... FOR UPDATE SKIP LOCKED); processing is idempotent."""
    handled = 0
    while count := _drain_batch(batch_size):
        handled += count
    return handled


def _drain_slot() -> Lock | None:
    drainers = max(1, int(settings.MESSAGING_DRAINERS))
    names = [f"messaging-drain:{index}" for index in range(drainers)]
    return first_free(names, DRAIN_SLOT_SECONDS)


def _call_for_help() -> None:
    """A full batch: wake one more drainer (at most one publish a second, in all processes)."""
    if int(settings.MESSAGING_DRAINERS) < 2 or not cache.add(DRAIN_HELP, 1, timeout=1):
        return
    from ..tasks import drain_raw_events

    try:
        drain_raw_events.delay()
    except Exception:
        logger.exception("no second drainer woken; this one carries on")


def raw_events_drain_woken(*, linger: float = DRAIN_LINGER_SECONDS) -> int:
    """What the drain tasks run. Up to MESSAGING_DRAINERS drainers work at once, each holding a
    slot (a lock from core.locks that expires if its worker dies) and claiming its own batches
    (SKIP LOCKED), so a backlog is shared by as many workers as there are slots: a drainer that
    finds a full batch wakes one more.

    A woken drainer keeps watching for ``linger`` seconds after its last event, so events stored
    while wake-ups are throttled are processed within a poll; a task finding every slot taken
    asks the running drainers to linger on (DRAIN_WANTED) and leaves. The beat sweep passes
    ``linger=0``."""
    slot = _drain_slot()
    if slot is None:
        if linger:
            cache.set(DRAIN_WANTED, 1, DRAIN_SLOT_SECONDS)
        # A drainer may have left between the look and the flag: look once more.
        slot = _drain_slot()
        if slot is None:
            return 0
    handled = 0
    started = quiet_since = time.monotonic()
    try:
        while True:
            if not slot.extend():
                return handled  # the slot expired: another drainer may hold it now
            count = _drain_batch(DRAIN_BATCH)
            handled += count
            now = time.monotonic()
            if count == DRAIN_BATCH:
                _call_for_help()
            if now - started > DRAIN_BUDGET_SECONDS:
                from ..tasks import drain_raw_events

                slot.release()
                slot = None
                drain_raw_events.delay()  # hand over, so no task runs forever under a flood
                return handled
            if count or (linger and cache.delete(DRAIN_WANTED)):
                quiet_since = now
                continue
            if now - quiet_since < linger:
                time.sleep(DRAIN_POLL_SECONDS)
                continue
            slot.release()
            slot = None
            # A task that asked for a drainer just before the release gets one again here.
            if not linger or cache.get(DRAIN_WANTED) is None:
                return handled
            slot = _drain_slot()
            if slot is None:
                return handled
            cache.delete(DRAIN_WANTED)
            quiet_since = time.monotonic()
    finally:
        if slot is not None:
            slot.release()


def _drain_batch(batch_size: int) -> int:
    """One batch in one transaction: the rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED
    (other drainers take other rows), and what processing wrote commits together with the rows'
    new outcome, so an event is processed exactly once. A deadlock, a lost connection or a
    drainer killed mid-batch rolls the whole batch back: its events stay pending (and unlocked)
    for another drainer, never marked failed for a transient."""
    try:
        return _drain_batch_once(batch_size)
    except OperationalError:
        logger.warning("messaging drain batch rolled back; its events stay pending", exc_info=True)
        time.sleep(random.uniform(0.05, 0.3))
        return 0


def _drain_batch_once(batch_size: int) -> int:
    unmatched: list[str] = []
    with transaction.atomic():
        rows = list(
            RawEvent.objects.select_for_update(skip_locked=True)
            .filter(outcome=RawEvent.Outcome.PENDING)
            .order_by("id")[:batch_size]
        )
        if not rows:
            return 0
        tenant_ids = {raw.tenant_id for raw in rows if raw.tenant_id is not None}
        tenants = {t.pk: t for t in Tenant.objects.filter(pk__in=tenant_ids)}
        by_outcome: dict[str, list[int]] = {}
        with usage_batch(), batch():
            for raw in rows:
                tenant = tenants.get(raw.tenant_id) if raw.tenant_id is not None else None
                outcome, error = _process_stored(tenant, raw)
                if error:
                    RawEvent.objects.filter(pk=raw.pk).update(outcome=outcome, error=error)
                    continue
                by_outcome.setdefault(outcome, []).append(raw.pk)
                if outcome == RawEvent.Outcome.UNMATCHED:
                    unmatched.append(raw.message_id)
        for outcome, pks in by_outcome.items():
            RawEvent.objects.filter(pk__in=pks).update(outcome=outcome)
    # The send's answer may have landed while this batch was open: apply those now.
    for message_id in unmatched:
        status_events_apply_unmatched(message_id=message_id)
    return len(rows)


def _process_stored(tenant: Tenant | None, raw: RawEvent) -> tuple[str, str]:
    if tenant is None:
        return RawEvent.Outcome.UNROUTED, ""
    try:
        event = parse_messaging_callbacks(json.dumps([raw.payload]))[0]
        with transaction.atomic():
            return _process(tenant, event, raw), ""
    except OperationalError:
        raise
    except Exception as exc:
        logger.exception("messaging event %s %s failed", raw.event_type, raw.message_id)
        return RawEvent.Outcome.FAILED, f"{type(exc).__name__}: {exc}"[:2000]


def _process(tenant: Tenant, event: MessagingEvent, raw: RawEvent) -> str:
    if isinstance(event, MessageReceived):
        if event.message.direction != "in":
            return RawEvent.Outcome.IGNORED
        if is_number_blocked(tenant=tenant, number=event.message.from_):
            inbound_from_blocked(tenant=tenant, event=event)
            return RawEvent.Outcome.BLOCKED
        inbound_message_record(tenant=tenant, event=event)
        return RawEvent.Outcome.PROCESSED
    if isinstance(event, MessageStatusEvent):
        if event.message.direction != "out":
            return RawEvent.Outcome.IGNORED
        applied = status_event_apply(tenant=tenant, event=event)
        return RawEvent.Outcome.PROCESSED if applied else RawEvent.Outcome.UNMATCHED
    return RawEvent.Outcome.IGNORED


def raw_event_replay(*, raw_event: RawEvent) -> str:
    """Processes a stored event again (the admin's replay); processing is idempotent."""
    from numbers.routing import route_for

    if raw_event.outcome == RawEvent.Outcome.REJECTED:
        return _rejected_replay(raw_event_id=raw_event.pk)
    events = parse_messaging_callbacks(json.dumps([raw_event.payload]))
    event = events[0]
    if raw_event.tenant_id is not None:
        # It was routed when it arrived: it stays that tenant's even if the number moved since.
        tenant = Tenant.objects.get(pk=raw_event.tenant_id)
    else:
        number = our_number(event)
        route = route_for(number) if number else None
        if route is None:
            return "unrouted"
        tenant = Tenant.objects.get(pk=route.tenant_id)
    with transaction.atomic():
        outcome = _process(tenant, event, raw_event)
        RawEvent.objects.filter(pk=raw_event.pk).update(
            outcome=outcome, error="", replayed_at=timezone.now(), tenant=tenant
        )
    return outcome


@transaction.atomic
def _rejected_replay(*, raw_event_id: int) -> str:
    """A rejected element read again (after a parser fix or a staff correction). Once it reads,
    it is routed as the webhook would have (its number may only belong to the tenant whose
    credentials delivered it) and processed now; the row lock makes concurrent replays process it
    once. Still unreadable, it stays rejected with the new reason."""
    from numbers.routing import route_for

    raw = RawEvent.objects.select_for_update().get(pk=raw_event_id)
    if raw.outcome != RawEvent.Outcome.REJECTED:
        return raw_event_replay(raw_event=raw)
    now = timezone.now()
    parsed = parse_messaging_elements(json.dumps([raw.payload]))
    if parsed.rejects:
        reason = parsed.rejects[0].reason
        RawEvent.objects.filter(pk=raw.pk).update(rejection_reason=reason, replayed_at=now)
        return RawEvent.Outcome.REJECTED
    event = parsed.events[0]
    number = our_number(event) or ""
    route = route_for(number) if number else None
    if route is not None and route.tenant_id != raw.tenant_id:
        reason = f"{number} belongs to another tenant than the one whose credentials delivered it"
        RawEvent.objects.filter(pk=raw.pk).update(rejection_reason=reason, replayed_at=now)
        return RawEvent.Outcome.REJECTED
    outcome = _initial_outcome(event, route is not None)
    if outcome == RawEvent.Outcome.PENDING and raw.tenant is not None:
        outcome = _process(raw.tenant, event, raw)
    RawEvent.objects.filter(pk=raw.pk).update(
        outcome=outcome,
        error="",
        replayed_at=now,
        our_number=number[:32],
        tenant=None if outcome == RawEvent.Outcome.UNROUTED else raw.tenant_id,
    )
    return outcome


@transaction.atomic
def raw_event_correct(*, raw_event: RawEvent, payload: Any) -> RawEvent:
    """Staff's correction of a rejected element's payload (the admin); replay it afterwards.
    Only rejected rows can be corrected: every other row is what Bandwidth sent."""
    raw = RawEvent.objects.select_for_update().get(pk=raw_event.pk)
    if raw.outcome != RawEvent.Outcome.REJECTED:
        raise ParleyError("Only a rejected event can be corrected.", field="payload")
    if not isinstance(payload, dict):
        raise ParleyError("The payload must be a JSON object.", field="payload")
    if not _storable(payload):
        raise ParleyError(
            "The payload holds a NUL character or a non-finite number.", field="payload"
        )
    RawEvent.objects.filter(pk=raw.pk).update(payload=payload)
    raw.payload = payload
    return raw


def raw_events_purge() -> int:
    days = int(settings.MESSAGING_RAW_EVENT_RETENTION_DAYS)
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = RawEvent.objects.filter(received_at__lt=cutoff).delete()
    return deleted
