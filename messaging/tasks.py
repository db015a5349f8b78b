"""Celery tasks: each takes ids, calls one service, and retries with backoff and jitter."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from bandwidth.errors import TransientError
from config.periodic import periodic_lock

from . import services

logger = logging.getLogger("parley.messaging")


@shared_task(bind=True, max_retries=None, ignore_result=True)
def dispatch_message(self: Any, message_id: int) -> str:
    outcome = services.message_dispatch(message_id=message_id)
    if outcome.state == "retry" and outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in, max_retries=None)
    if outcome.state == "reconcile":
        reconcile_message.apply_async((message_id,), countdown=services.reconcile_delay())
    return outcome.state


@shared_task(bind=True, max_retries=20, ignore_result=True)
def reconcile_message(self: Any, message_id: int) -> str:
    state = services.message_reconcile(message_id=message_id)
    if state in ("waiting", "error"):
        raise self.retry(countdown=services.reconcile_delay())
    return state


@shared_task(
    bind=True,
    autoretry_for=(TransientError,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
    ignore_result=True,
)
def fetch_media(self: Any, media_id: int) -> str:
    return services.media_fetch(media_id=media_id)


@shared_task(ignore_result=True)
def dispatch_due_messages() -> int:
    """Scheduled messages whose time has come, and messages stuck in queued."""
    with periodic_lock("messaging-dispatch-due", 50) as held:
        if not held:
            return 0
        ids = services.messages_due()
        for message_id in ids:
            dispatch_message.delay(message_id)
        return len(ids)


@shared_task(ignore_result=True)
def reconcile_messages() -> int:
    with periodic_lock("messaging-reconcile", 240) as held:
        if not held:
            return 0
        ids = services.messages_needing_reconciliation()
        for message_id in ids:
            services.message_reconcile(message_id=message_id)
        return len(ids)


@shared_task(ignore_result=True)
def purge_raw_events() -> int:
    with periodic_lock("messaging-purge", 3000) as held:
        return services.raw_events_purge() if held else 0


@shared_task(ignore_result=True)
def drain_raw_events() -> int:
    """Woken after a webhook stored events: processes every pending raw event."""
    return services.raw_events_drain_leased()


@shared_task(ignore_result=True)
def sweep_raw_events() -> int:
    """Beat: drains whatever a lost wake-up (broker down) left pending; skips while a drain holds
    the drain lease (that drainer is already on it)."""
    return services.raw_events_drain_leased(linger=0)
