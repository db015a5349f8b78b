"""Celery tasks of the porting app: the reconciler and the documents' retention."""

from __future__ import annotations

import logging

from celery import shared_task

from core.locks import try_lock
from core.retries import READS

from . import services

logger = logging.getLogger(__name__)


@READS.task()
def sync_port_in(port_in_id: int) -> None:
    services.port_in_sync(port_in_id=port_in_id)


@shared_task
def reconcile_port_ins() -> int:
    """Beat: reads open port-ins that no notification has moved for a day."""
    done = 0
    with try_lock("porting-reconcile", 600) as held:
        if not held:
            return 0
        for port_in_id in services.port_ins_to_reconcile():
            try:
                sync_port_in(port_in_id)
                done += 1
            except Exception:
                logger.exception("reconciling port-in %s failed", port_in_id)
    return done


@shared_task
def purge_port_in_documents() -> int:
    """Beat: deletes the documents of port-ins closed longer than the retention period."""
    with try_lock("porting-purge-documents", 600) as held:
        if not held:
            return 0
        return services.port_in_documents_purge()
