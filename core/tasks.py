"""Periodic upkeep of the core mechanisms."""

from __future__ import annotations

from celery import shared_task

from .idempotency import idempotency_purge
from .locks import try_lock


@shared_task(ignore_result=True)
def purge_idempotency_keys() -> int:
    """Beat: deletes Idempotency-Keys past their expiry."""
    with try_lock("core-idempotency-purge", 3000) as held:
        return idempotency_purge() if held else 0
