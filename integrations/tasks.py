"""Celery tasks of the outgoing webhooks: each takes ids and calls one service."""

from __future__ import annotations

from celery import shared_task

from core.locks import try_lock

from . import services


@shared_task(acks_late=True)
def fan_out(event_id: int) -> int:
    return len(services.event_fan_out(event_id=event_id))


@services.WEBHOOKS.task(acks_late=True)
def deliver(delivery_id: int) -> str:
    """One attempt; a retry soon after re-runs this task, later ones come from the sweep."""
    return services.delivery_attempt(delivery_id=delivery_id)


@shared_task
def sweep_outbox() -> str:
    with try_lock("integrations-outbox-sweep", 30) as held:
        if not held:
            return "skipped"
        events, deliveries = services.outbox_sweep()
        return f"{events} events, {deliveries} deliveries"


@shared_task
def purge_outbox() -> int:
    return services.outbox_purge()


@shared_task
def check_endpoint_health() -> int:
    return services.endpoints_check_health()
