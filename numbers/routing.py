"""Our E.164 number → the active PhoneNumber → its tenant, cached so routing costs no query.

Webhooks of every kind call ``route_for(number)``. The cache entry is dropped after commit on every
change to a PhoneNumber (any writer: services, the admin), and entries for numbers nobody owns are
cached briefly so a flood of stray callbacks cannot hammer the database either.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

ROUTE_TTL = 24 * 3600
UNOWNED_TTL = 60
_UNOWNED = "-"


@dataclass(frozen=True)
class NumberRoute:
    number: str
    phone_number_id: int
    tenant_id: uuid.UUID


def _key(number: str) -> str:
    return f"parley:route:{number}"


def route_for(number: str) -> NumberRoute | None:
    cached = cache.get(_key(number))
    if cached == _UNOWNED:
        return None
    if cached is not None:
        return NumberRoute(number, cached[0], uuid.UUID(cached[1]))
    from .models import PhoneNumber

    row = (
        PhoneNumber.objects.filter(number=number, status=PhoneNumber.Status.ACTIVE)
        .values_list("pk", "tenant_id")
        .first()
    )
    if row is None:
        cache.set(_key(number), _UNOWNED, UNOWNED_TTL)
        return None
    cache.set(_key(number), (row[0], str(row[1])), ROUTE_TTL)
    return NumberRoute(number, row[0], row[1])


def invalidate(number: str) -> None:
    cache.delete(_key(number))


def _on_number_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    number = instance.number
    invalidate(number)
    transaction.on_commit(lambda: invalidate(number))


def connect_signals() -> None:
    from .models import PhoneNumber

    post_save.connect(_on_number_change, sender=PhoneNumber, dispatch_uid="numbers.routing.save")
    post_delete.connect(
        _on_number_change, sender=PhoneNumber, dispatch_uid="numbers.routing.delete"
    )
