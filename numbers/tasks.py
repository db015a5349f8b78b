"""Celery tasks of the numbers app: provisioning and order reconciliation. Calls to Bandwidth go
through the one retry policy of core.retries."""

from __future__ import annotations

import logging

from celery import shared_task

from bandwidth.errors import AuthenticationError
from core.locks import try_lock
from core.retries import READS, Decision
from tenants.models import Tenant

from . import services

logger = logging.getLogger(__name__)


def _provisioning_gave_up(tenant_id: str, verify: bool = False, *, decision: Decision) -> None:
    services.provisioning_give_up(tenant_id=tenant_id, reason=decision.reason)


# Provisioning repeats a step whose answer timed out, as it always has, and a 401 too (make
# run's emulator may restart and forget the token it issued).
@READS.also_retrying(AuthenticationError).task(give_up=_provisioning_gave_up)
def provision_tenant(tenant_id: str, verify: bool = False) -> None:
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return
    services.provisioning_run(tenant=tenant, verify=verify)


@READS.task()
def reconcile_order(order_id: int) -> None:
    """An order left open when this gives up is polled again by the beat's reconciler."""
    services.number_order_reconcile(order_id=order_id)


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
