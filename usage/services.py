"""Every write to usage: counters incremented as the events happen, limits, warnings.

Domain apps call ``usage_record`` inside their own transactions (a usage row never outlives a
change that rolled back) and ``usage_limit_check`` before they call Bandwidth.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any

from django.core.mail import mail_admins
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.errors import ParleyError
from tenants.models import Tenant

from . import selectors
from .models import Metric, UsageCounter, UsageLimit

logger = logging.getLogger("parley.usage")


class UsageLimitReached(ParleyError):
    """The tenant used up one of its monthly limits; staff can raise it in the admin."""

    code = "usage_limit_reached"
    status = 402


def _check(metric: str, quantity: int) -> None:
    if metric not in Metric.values:
        raise ParleyError(f"{metric!r} is not a usage metric.", field="metric")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
        raise ParleyError("The quantity must be a whole number, 0 or more.", field="quantity")


_pending: ContextVar[dict[tuple[Any, date, str], tuple[Tenant, int]] | None] = ContextVar(
    "parley_usage_pending", default=None
)


@contextmanager
def usage_batch() -> Iterator[None]:
    """Inside a transaction that handles many events (the messaging drain's batch): the counts
    are added up and written at the end of the block, in one order (tenant, day, metric). A
    counter row is a hot row of its tenant; written last, its lock is held only until the
    commit, never while the batch waits on another lock, and never taken in an order that could
    deadlock with another batch."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set({})
    try:
        yield
        pending = _pending.get() or {}
    finally:
        _pending.reset(token)
    for (_, day, metric), (tenant, quantity) in sorted(
        pending.items(), key=lambda item: (str(item[0][0]), item[0][1], item[0][2])
    ):
        usage_record(tenant=tenant, metric=metric, quantity=quantity, on=day)


def usage_record(*, tenant: Tenant, metric: str, quantity: int, on: date | None = None) -> None:
    """Adds ``quantity`` to the tenant's counter of ``metric`` for the day ``on`` (UTC today).

    An UPSERT: the counter row is incremented in place (``F()``), created by the first event of
    the day; two first events racing meet at the UNIQUE constraint and the loser increments.
    Call it as late as possible in the caller's transaction (the row stays locked until the
    commit); inside ``usage_batch`` it is added up and written when the batch ends.
    """
    _check(metric, quantity)
    if quantity == 0:
        return
    day = on or timezone.now().date()
    pending = _pending.get()
    if pending is not None:
        key = (tenant.pk, day, metric)
        pending[key] = (tenant, pending.get(key, (tenant, 0))[1] + quantity)
        return
    _write(tenant, metric, quantity, day)


@transaction.atomic
def _write(tenant: Tenant, metric: str, quantity: int, day: date) -> None:
    rows = UsageCounter.objects.filter(tenant=tenant, day=day, metric=metric)
    if not rows.update(quantity=F("quantity") + quantity):
        try:
            with transaction.atomic():
                UsageCounter.objects.create(
                    tenant=tenant, day=day, metric=metric, quantity=quantity
                )
        except IntegrityError:
            rows.update(quantity=F("quantity") + quantity)
    limit_name = selectors.LIMIT_OF_METRIC.get(metric)
    if limit_name is not None:
        _warn_when_near(tenant, limit_name, day)


@transaction.atomic
def usage_set(*, tenant: Tenant, metric: str, quantity: int, on: date) -> None:
    """Sets the day's counter (a daily snapshot such as active number-days): running it again
    for the same day changes nothing."""
    _check(metric, quantity)
    UsageCounter.objects.update_or_create(
        tenant=tenant, day=on, metric=metric, defaults={"quantity": quantity}
    )


def usage_limit_check(*, tenant: Tenant, limit: str, quantity: int = 1) -> None:
    """Refuses with 402 when ``quantity`` more of ``limit`` ("segments" or "minutes") would go
    past the tenant's monthly limit. Called before any Bandwidth request that costs money."""
    status = selectors.usage_limit_status(tenant=tenant, limit=limit)
    if status is None or status.used + quantity <= status.cap:
        return
    raise UsageLimitReached(
        f"The monthly limit of {status.cap} {status.unit} is reached "
        f"({status.used} used this month); staff can raise it.",
        field=limit,
    )


@transaction.atomic
def usage_limit_set(
    *, tenant: Tenant, monthly_segments: int | None, monthly_minutes: int | None
) -> UsageLimit:
    for name, value in (
        ("monthly_segments", monthly_segments),
        ("monthly_minutes", monthly_minutes),
    ):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise ParleyError("A limit is a whole number, 0 or more, or empty.", field=name)
    row, _ = UsageLimit.objects.update_or_create(
        tenant=tenant,
        defaults={"monthly_segments": monthly_segments, "monthly_minutes": monthly_minutes},
    )
    return row


def _warn_when_near(tenant: Tenant, limit: str, day: date) -> None:
    status = selectors.usage_limit_status(tenant=tenant, limit=limit, on=day)
    if status is None or not status.near:
        return
    month = day.replace(day=1)
    field = f"warned_{limit}_month"
    claimed = (
        UsageLimit.objects.filter(tenant=tenant)
        .filter(Q(**{f"{field}__isnull": True}) | ~Q(**{field: month}))
        .update(**{field: month})
    )
    if not claimed:
        return
    text = (
        f"Tenant {tenant.name} ({tenant.pk}) has used {status.used} of its {status.cap} "
        f"{status.unit} this month ({status.percent}%). At the limit, sends and calls are refused "
        "with 402; raise it in the admin (Usage limits) if this is expected."
    )
    logger.warning("usage: %s", text)
    transaction.on_commit(
        lambda: mail_admins(
            f"{tenant.name} is at {status.percent}% of its monthly {status.unit}",
            text,
            fail_silently=True,
        )
    )
