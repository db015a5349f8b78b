"""Celery tasks of the compliance app: campaign assignments and the reconciler. Calls to
Bandwidth go through the one retry policy of core.retries."""

from __future__ import annotations

import logging

from celery import shared_task

from core.locks import try_lock
from core.retries import READS
from tenants.models import Tenant

from . import services

logger = logging.getLogger(__name__)


@READS.task()
def assign_campaign_numbers(tenant_id: str) -> None:
    """Puts the tenant's unassigned local numbers on its approved campaign (a tnoptions order).
    Left undone when this gives up, the reconciler finds them again."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is not None:
        services.campaign_assign_numbers(tenant=tenant)


@shared_task
def reconcile_compliance() -> int:
    """Beat: polls what no notification settled, and assigns numbers still off their campaign."""
    done = 0
    with try_lock("compliance-reconcile", 120) as held:
        if not held:
            return 0
        for kind, pks in services.to_reconcile().items():
            for pk in pks:
                try:
                    services.reconcile_one(kind=kind, pk=pk)
                    done += 1
                except Exception:
                    logger.exception("reconciling %s %s failed", kind, pk)
        for tenant in services.tenants_with_unassigned_numbers():
            try:
                services.campaign_assign_numbers(tenant=tenant)
                done += 1
            except Exception:
                logger.exception("assigning the numbers of tenant %s failed", tenant.pk)
    return done


@READS.task()
def register_through_emulator(tenant_id: str) -> None:
    """make run's demo tenant: registered once the emulator answers (retried until then)."""
    from . import demo

    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is not None:
        demo.register_through_emulator(tenant=tenant)


class LookupNotFinished(Exception):
    pass


@READS.also_retrying(LookupNotFinished).task()
def collect_bulk_lookup(tenant_id: str, request_id: str) -> None:
    """Imports: stores the line types of a bulk lookup once Bandwidth has them, asking again
    (READS' backoff) while it is in progress, until the retry horizon."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is not None and not services.line_types_bulk_collect(
        tenant=tenant, request_id=request_id
    ):
        raise LookupNotFinished(f"bulk lookup {request_id} is still in progress")
