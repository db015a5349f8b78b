"""Our E.164 number → the active PhoneNumber → its tenant, cached so routing costs no query.

Webhooks of every kind call ``route_for(number)``. Entries for numbers nobody owns are cached
briefly so a flood of stray callbacks cannot hammer the database either.

Every write that can change where a number routes calls ``forget`` (or ``forget_tenants``)
itself: the numbers services, provisioning, the tenant services (through
``tenants.signals.tenant_changed``), the admin, and ``PhoneNumber.objects``' ``update()`` and
``delete()``. ``forget`` drops the shared entry now and again after commit, and sends
``routes_forgotten`` so the caches built on top (the webhook memo, voice's compiled routes) drop
theirs. ``post_save``/``post_delete`` receivers stay as a second line for any other writer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

ROUTE_TTL = 24 * 3600
UNOWNED_TTL = 60
_UNOWNED = "-"

routes_forgotten = Signal()
"""Sent with ``numbers`` (E.164 strings) and ``phone_number_ids`` whose routing changed."""


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
    forget([(None, number)])


def forget(rows: Iterable[tuple[int | None, str]]) -> None:
    """Drops every cached route of these ``(phone number id, E.164)`` rows, now and after commit.

    Again after commit because a webhook between the write and the commit may have cached the
    old route.
    """
    pairs = list(rows)
    if not pairs:
        return
    numbers = sorted({number for _, number in pairs})
    ids = sorted({pk for pk, _ in pairs if pk is not None})

    def drop() -> None:
        cache.delete_many([_key(number) for number in numbers])
        routes_forgotten.send(sender=NumberRoute, numbers=numbers, phone_number_ids=ids)

    drop()
    transaction.on_commit(drop, robust=True)


def forget_tenants(tenant_ids: Iterable[uuid.UUID]) -> None:
    """Forgets the routes of every number these tenants hold or held."""
    from .models import PhoneNumber

    ids = list(tenant_ids)
    if ids:
        forget(PhoneNumber.objects.filter(tenant_id__in=ids).values_list("pk", "number"))


def _on_number_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget([(instance.pk, instance.number)])


def _on_tenant_changed(sender: Any, tenant_ids: Iterable[uuid.UUID], **kwargs: Any) -> None:
    forget_tenants(tenant_ids)


def connect_signals() -> None:
    from tenants.signals import tenant_changed

    from .models import PhoneNumber

    post_save.connect(_on_number_change, sender=PhoneNumber, dispatch_uid="numbers.routing.save")
    post_delete.connect(
        _on_number_change, sender=PhoneNumber, dispatch_uid="numbers.routing.delete"
    )
    tenant_changed.connect(_on_tenant_changed, dispatch_uid="numbers.routing.tenant")
