"""The webhook's half of inbound events: authenticated, routed events stored with one INSERT."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Value
from django.utils import timezone

from bandwidth.callbacks import (
    MessageReceived,
    MessageStatusEvent,
    MessagingEvent,
    RejectedElement,
)

from ..models import (
    RawEvent,
)

logger = logging.getLogger("parley.messaging")


@dataclass
class WebhookResult:
    stored: int = 0
    duplicates: int = 0
    unrouted: int = 0
    rejected: int = 0


DRAIN_FLAG = "messaging:drain-scheduled"


WAKE_INTERVAL = 0.5


def _event_key(event: MessagingEvent) -> tuple[str, str, str]:
    message = getattr(event, "message", None)
    message_id = message.id if message is not None else ""
    recipient = getattr(event, "to", None) or ""
    if not message_id:
        digest = hashlib.sha256(json.dumps(event.raw, sort_keys=True).encode()).hexdigest()
        message_id = f"sha256:{digest[:56]}"
    return message_id, event.type, recipient


def our_number(event: MessagingEvent) -> str | None:
    """Our number in an event: the owner of the message (for inbound the recipient number this
    copy is for, for outbound the sender)."""
    message = getattr(event, "message", None)
    return message.owner if message is not None else None


def _initial_outcome(event: MessagingEvent, routed: bool) -> str:
    """What an event needs when it is stored: processing later, or nothing at all."""
    ignored = RawEvent.Outcome.IGNORED
    if isinstance(event, MessageReceived):
        if not routed:
            return RawEvent.Outcome.UNROUTED
        return RawEvent.Outcome.PENDING if event.message.direction == "in" else ignored
    if isinstance(event, MessageStatusEvent):
        if not routed:
            return RawEvent.Outcome.UNROUTED
        return RawEvent.Outcome.PENDING if event.message.direction == "out" else ignored
    return RawEvent.Outcome.IGNORED


_RAW_COLUMNS = (
    "tenant_id",
    "message_id",
    "event_type",
    "recipient",
    "our_number",
    "payload",
    "outcome",
    "error",
    "rejection_reason",
    "received_at",
)


_LIMITED_FIELDS = (
    ("message_id", "message.id"),
    ("event_type", "type"),
    ("recipient", "to"),
    ("our_number", "message.owner"),
)


def _rejected_key(element: RejectedElement) -> tuple[str, str, str]:
    """A rejected element's row key: a hash of the element as delivered (the same element again
    is a duplicate), prefixed so that it never takes the key of a valid event."""
    canonical = json.dumps(element.raw, sort_keys=True, ensure_ascii=True)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"rejected:{digest[:55]}", (element.type or "")[:40], (element.to or "")[:32]


def _unstorable(event: MessagingEvent, values: tuple[str, str, str, str]) -> str:
    """Why a parsed event cannot be stored as a row of its own ('' when it can). One such element
    would fail the whole INSERT, and with it every valid event of the request."""
    for value, (column, name) in zip(values, _LIMITED_FIELDS, strict=True):
        limit = getattr(RawEvent._meta.get_field(column), "max_length", None)
        if limit is not None and len(value) > limit:
            return f"{event.type}.{name} is longer than {limit} characters"
    if not _storable(event.raw):
        return (
            f"{event.type} holds a NUL character or a non-finite number, which the database "
            "cannot store (kept with U+FFFD and null in their place)"
        )
    return ""


def _storable(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    return True


def _cleaned(value: Any) -> Any:
    """``value`` as PostgreSQL can store it: NUL characters become U+FFFD, NaN and infinities
    null (what the database refuses in text and JSONB)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    if isinstance(value, dict):
        return {_cleaned(key): _cleaned(item) for key, item in value.items()}
    return value


def _json_value(value: Any) -> Any:
    """``None`` as JSON null (a bare None is SQL NULL to a JSONField)."""
    return Value(None, output_field=RawEvent._meta.get_field("payload")) if value is None else value


def raw_events_accept(
    *,
    tenant_id: uuid.UUID,
    events: list[MessagingEvent],
    routes: list[bool],
    rejects: Sequence[RejectedElement] = (),
) -> WebhookResult:
    """Stores a webhook's events (already authenticated and routed to ``tenant_id``) with one
    multi-row INSERT ... ON CONFLICT DO NOTHING; the UNIQUE (message id, type, recipient) makes a
    duplicate or replay change nothing. ``routes[i]`` says whether event i's number is owned.

    Processing happens in the drain (a Celery task woken after commit, published at most about
    once a second, and a beat sweep); events for numbers nobody owns are kept as ``unrouted``.
    ``rejects`` (elements that are not well-formed callbacks), and events the database could not
    store as they are, are kept ``rejected`` under ``tenant_id`` with their reason, for staff to
    correct and replay; they never cost the valid events of the same request.
    """
    result = WebhookResult()
    if not events and not rejects:
        return result
    tenant_value = RawEvent._meta.get_field("tenant").get_db_prep_save(tenant_id, connection)
    payload_field = RawEvent._meta.get_field("payload")
    received_field = RawEvent._meta.get_field("received_at")
    now = received_field.get_db_prep_save(timezone.now(), connection)
    rows: list[Any] = []
    pending = False
    rejected = list(rejects)
    for event, routed in zip(events, routes, strict=True):
        message_id, event_type, recipient = _event_key(event)
        number = our_number(event) or ""
        problem = _unstorable(event, (message_id, event_type, recipient, number))
        if problem:
            rejected.append(RejectedElement(index=-1, raw=event.raw, reason=problem))
            continue
        outcome = _initial_outcome(event, routed)
        if outcome == RawEvent.Outcome.UNROUTED:
            result.unrouted += 1
            logger.warning("messaging event %s for unowned number %s", event.type, number)
        pending = pending or outcome == RawEvent.Outcome.PENDING
        rows.extend(
            [
                None if outcome == RawEvent.Outcome.UNROUTED else tenant_value,
                message_id,
                event_type,
                recipient,
                number,
                payload_field.get_db_prep_save(event.raw, connection),
                outcome,
                "",
                "",
                now,
            ]
        )
    for element in rejected:
        message_id, event_type, recipient = _rejected_key(element)
        logger.warning("messaging webhook element rejected: %s", element.reason)
        rows.extend(
            [
                tenant_value,
                _cleaned(message_id),
                _cleaned(event_type),
                _cleaned(recipient),
                _cleaned(element.owner or "")[:32],
                payload_field.get_db_prep_save(_json_value(_cleaned(element.raw)), connection),
                RawEvent.Outcome.REJECTED,
                "",
                _cleaned(element.reason),
                now,
            ]
        )
    count = len(rows) // len(_RAW_COLUMNS)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(_RAW_COLUMNS)) + ")"] * count)
    table = connection.ops.quote_name(RawEvent._meta.db_table)
    # Only constants and placeholders are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(_RAW_COLUMNS)}) VALUES {placeholders} "  # noqa: S608
        "ON CONFLICT DO NOTHING RETURNING outcome"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, rows)
        inserted = [row[0] for row in cursor.fetchall()]
    stored_unrouted = sum(1 for outcome in inserted if outcome == RawEvent.Outcome.UNROUTED)
    result.rejected = sum(1 for outcome in inserted if outcome == RawEvent.Outcome.REJECTED)
    result.stored = len(inserted) - stored_unrouted - result.rejected
    result.duplicates = count - len(inserted)
    if pending and RawEvent.Outcome.PENDING in inserted:
        transaction.on_commit(_wake_drain)
    return result


class _WakeThrottle:
    """This process asks the shared cache to wake the drain at most every WAKE_INTERVAL seconds.
    What lands in between is covered by the drain woken at most 1 s (the flag) + WAKE_INTERVAL
    earlier, which lingers DRAIN_LINGER_SECONDS (more than that) after its last event."""

    def __init__(self) -> None:
        self.next_at = 0.0

    def due(self) -> bool:
        now = time.monotonic()
        if now < self.next_at:
            return False
        self.next_at = now + WAKE_INTERVAL
        return True

    def reset(self) -> None:
        self.next_at = 0.0


wake_throttle = _WakeThrottle()


def _wake_drain() -> None:
    """Publishes the drain task unless one was published in the last second (a flood costs one
    publish a second, not one a request). A lost publish only delays: the beat sweep drains."""
    if not wake_throttle.due() or not cache.add(DRAIN_FLAG, 1, timeout=1):
        return
    from ..tasks import drain_raw_events

    try:
        drain_raw_events.delay()
    except Exception:
        cache.delete(DRAIN_FLAG)
        logger.exception("messaging drain task not published; the beat sweep will drain")
