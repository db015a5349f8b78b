"""Celery tasks: each takes ids and calls one service; Bandwidth's errors go through the one retry
policy of core.retries."""

from __future__ import annotations

import logging

from celery import shared_task

from core.locks import try_lock
from core.retries import READS, SENDS, Decision, RetryLater

from . import services

logger = logging.getLogger("parley.messaging")


@SENDS.task()
def dispatch_message(message_id: int) -> str:
    """The send keeps its attempts on the message and decides with SENDS itself (RetryLater)."""
    state = services.message_dispatch(message_id=message_id)
    if state == "reconcile":
        reconcile_message.apply_async((message_id,), countdown=services.reconcile_delay())
    return state


@READS.task()
def reconcile_message(message_id: int) -> str:
    """Until the grace period ends; left for the beat's reconciler if Bandwidth keeps failing."""
    state = services.message_reconcile(message_id=message_id)
    if state == "waiting":
        raise RetryLater(services.reconcile_delay(), "Bandwidth does not list it yet")
    return state


def _media_gave_up(media_id: int, *, decision: Decision) -> None:
    services.media_fetch_failed(media_id=media_id, reason=decision.reason)


@READS.task(give_up=_media_gave_up)
def fetch_media(media_id: int) -> str:
    return services.media_fetch(media_id=media_id)


@shared_task(ignore_result=True, acks_late=True)
def run_contact_import(import_id: int) -> str:
    """One transaction that finds a finished import done: safe to run again after a crash."""
    return services.contact_import_run(import_id=import_id)


@shared_task(ignore_result=True)
def resume_contact_imports() -> int:
    """Beat: confirmed imports whose task was lost."""
    with try_lock("messaging-resume-imports", 50) as held:
        if not held:
            return 0
        ids = services.contact_imports_stuck()
        for import_id in ids:
            run_contact_import.delay(import_id)
        return len(ids)


@shared_task(ignore_result=True)
def advance_broadcast(broadcast_id: int) -> None:
    """Hands the broadcast's next messages to dispatch and comes back while any are left."""
    delay = services.broadcast_advance(broadcast_id=broadcast_id)
    if delay is not None:
        advance_broadcast.apply_async((broadcast_id,), countdown=delay)


@shared_task(ignore_result=True)
def advance_due_broadcasts() -> int:
    """Beat: scheduled broadcasts whose time has come and sending ones whose chain stopped."""
    with try_lock("messaging-advance-broadcasts", 4) as held:
        if not held:
            return 0
        ids = services.broadcasts_due()
        for broadcast_id in ids:
            advance_broadcast.delay(broadcast_id)
        return len(ids)


@shared_task(ignore_result=True)
def dispatch_due_messages() -> int:
    """Scheduled messages whose time has come, and messages stuck in queued."""
    with try_lock("messaging-dispatch-due", 50) as held:
        if not held:
            return 0
        ids = services.messages_due()
        for message_id in ids:
            dispatch_message.delay(message_id)
        return len(ids)


@shared_task(ignore_result=True)
def reconcile_messages() -> int:
    with try_lock("messaging-reconcile", 240) as held:
        if not held:
            return 0
        ids = services.messages_needing_reconciliation()
        for message_id in ids:
            try:
                services.message_reconcile(message_id=message_id)
            except Exception:
                logger.exception("reconciling message %s failed; next run tries again", message_id)
        return len(ids)


@shared_task(ignore_result=True)
def purge_raw_events() -> int:
    with try_lock("messaging-purge", 3000) as held:
        return services.raw_events_purge() if held else 0


@shared_task(ignore_result=True)
def drain_raw_events() -> int:
    """Woken after a webhook stored events: processes every pending raw event."""
    return services.raw_events_drain_woken()


@shared_task(ignore_result=True)
def sweep_raw_events() -> int:
    """Beat: drains whatever a lost wake-up (broker down) left pending; skips when every drain
    slot is taken (those drainers are already on it)."""
    return services.raw_events_drain_woken(linger=0)
