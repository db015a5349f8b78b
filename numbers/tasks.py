"""Celery tasks of the numbers app: provisioning and order reconciliation."""

from __future__ import annotations

import logging

from celery import shared_task

from bandwidth.errors import AuthenticationError, RateLimitedError, TransientError
from config.periodic import periodic_lock
from tenants.models import Tenant

from . import services

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(TransientError, RateLimitedError, AuthenticationError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=25,
)
def provision_tenant(tenant_id: str, verify: bool = False) -> None:
    """Retries while Bandwidth (or the emulator, in make run) is unreachable."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return
    services.provisioning_run(tenant=tenant, verify=verify)


@shared_task(
    autoretry_for=(TransientError, RateLimitedError),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def reconcile_order(order_id: int) -> None:
    services.number_order_reconcile(order_id=order_id)


@shared_task(
    autoretry_for=(TransientError, RateLimitedError),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=8,
)
def place_number_order(order_id: int) -> None:
    """After the purchase commits: sends the order to Bandwidth (at most once)."""
    services.number_order_place(order_id=order_id)


class OrderNotCommittedYet(Exception):
    pass


@shared_task(
    autoretry_for=(OrderNotCommittedYet, TransientError, RateLimitedError),
    retry_backoff=2,
    retry_backoff_max=30,
    max_retries=5,
)
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
    with periodic_lock("numbers-reconcile", 120) as held:
        if not held:
            return 0
        for order_id in services.orders_to_reconcile():
            try:
                reconcile_order(order_id)
                done += 1
            except Exception:
                logger.exception("reconciling number order %s failed", order_id)
    return done
