"""Celery tasks of the numbers app: order reconciliation. Calls to Bandwidth go through the one
retry policy of core.retries."""

from __future__ import annotations

import logging

from celery import shared_task

from core.locks import try_lock
from core.retries import READS, SENDS

from . import services

logger = logging.getLogger(__name__)


@READS.task()
def reconcile_order(order_id: int) -> None:
    """An order left open when this gives up is polled again by the beat's reconciler."""
    services.number_order_reconcile(order_id=order_id)


@SENDS.task()
def place_number_order(order_id: int) -> None:
    """After the purchase commits: sends the order to Bandwidth (at most once). An order still
    unsent when this gives up stays open and unstamped, so the beat's reconciler queues it again."""
    services.number_order_place(order_id=order_id)


class OrderNotCommittedYet(Exception):
    pass


@READS.also_retrying(OrderNotCommittedYet).task()
def reconcile_order_placed(bandwidth_order_id: str) -> None:
    """A notification came for an order whose purchase had not committed yet."""
    order_id = services.number_order_id_for(bandwidth_order_id=bandwidth_order_id)
    if order_id is None:
        raise OrderNotCommittedYet(bandwidth_order_id)
    services.number_order_reconcile(order_id=order_id)


@shared_task
def reconcile_open_orders() -> int:
    """Beat: polls orders still open after a minute (Bandwidth never retries a notification)."""
    done = 0
    with try_lock("numbers-reconcile", 120) as held:
        if not held:
            return 0
        for order_id in services.orders_to_reconcile():
            try:
                reconcile_order(order_id)
                done += 1
            except Exception:
                logger.exception("reconciling number order %s failed", order_id)
    return done


@shared_task
def record_number_days() -> None:
    """Beat, every hour: today's active number-days per tenant (set, not added, so a rerun or a
    second beat changes nothing and a missed run is made up by the next)."""
    from django.utils import timezone

    with try_lock("numbers-record-number-days", 600) as held:
        if held:
            services.number_days_record(on=timezone.now().date())
