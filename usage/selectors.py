"""Every read of usage; always for one tenant, except the admin's totals."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tenants.models import Tenant

from .models import Metric, UsageCounter, UsageLimit

LIMIT_METRICS: dict[str, tuple[str, ...]] = {
    "segments": (Metric.SMS_OUT_SEGMENTS, Metric.MMS_OUT),
    "minutes": (Metric.CALL_MINUTES_OUT, Metric.CALL_MINUTES_IN),
}
LIMIT_OF_METRIC = {metric: name for name, metrics in LIMIT_METRICS.items() for metric in metrics}
LIMIT_UNITS = {"segments": "segments", "minutes": "call minutes"}
WARN_RATIO = 0.8


@dataclass(frozen=True)
class LimitStatus:
    limit: str
    used: int
    cap: int
    unit: str

    @property
    def percent(self) -> int:
        return 100 if self.cap == 0 else min(999, math.floor(100 * self.used / self.cap))

    @property
    def near(self) -> bool:
        return self.used >= WARN_RATIO * self.cap

    @property
    def reached(self) -> bool:
        return self.used >= self.cap


def usage_counters(*, tenant: Tenant) -> QuerySet[UsageCounter]:
    return UsageCounter.objects.for_tenant(tenant)


def usage_month_used(*, tenant: Tenant, metrics: tuple[str, ...], on: date | None = None) -> int:
    day = on or timezone.now().date()
    total = (
        usage_counters(tenant=tenant)
        .filter(day__gte=day.replace(day=1), day__lte=day, metric__in=metrics)
        .aggregate(total=Sum("quantity"))["total"]
    )
    return int(total or 0)


def usage_limit_get(*, tenant: Tenant) -> UsageLimit | None:
    return UsageLimit.objects.filter(tenant=tenant).first()


def usage_limit_status(
    *, tenant: Tenant, limit: str, on: date | None = None, row: UsageLimit | None = None
) -> LimitStatus | None:
    """Where the tenant stands against one monthly limit; None when it has none."""
    row = row or usage_limit_get(tenant=tenant)
    cap = getattr(row, f"monthly_{limit}", None) if row is not None else None
    if cap is None:
        return None
    used = usage_month_used(tenant=tenant, metrics=LIMIT_METRICS[limit], on=on)
    return LimitStatus(limit=limit, used=used, cap=int(cap), unit=LIMIT_UNITS[limit])


def usage_limit_warnings(*, tenant: Tenant) -> list[LimitStatus]:
    """The limits the tenant is at 80% or more of this month (the page banner)."""
    row = usage_limit_get(tenant=tenant)
    if row is None:
        return []
    found = []
    for limit in LIMIT_METRICS:
        status = usage_limit_status(tenant=tenant, limit=limit, row=row)
        if status is not None and status.near:
            found.append(status)
    return found


@dataclass(frozen=True)
class UsagePeriod:
    period: date
    values: dict[str, int]

    @property
    def segments(self) -> int:
        return sum(self.values[m] for m in LIMIT_METRICS["segments"])


def _months(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def usage_series(
    *, tenant: Tenant, start: date, end: date, granularity: str = "day"
) -> list[UsagePeriod]:
    """One row per day (or month) from ``start`` to ``end``, every metric, zeros included."""
    rows = usage_counters(tenant=tenant).filter(day__gte=start, day__lte=end)
    if granularity == "month":
        periods = _months(start, end)
        grouped = rows.annotate(period=TruncMonth("day")).values("period", "metric")
    else:
        periods = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        grouped = rows.annotate(period=F("day")).values("period", "metric")
    table: dict[date, dict[str, int]] = {p: dict.fromkeys(Metric.values, 0) for p in periods}
    for item in grouped.annotate(total=Sum("quantity")).order_by():
        key = item["period"]
        if isinstance(key, datetime):
            key = key.date()
        if key in table:
            table[key][item["metric"]] = int(item["total"] or 0)
    return [UsagePeriod(period=p, values=table[p]) for p in periods]


def usage_totals(series: list[UsagePeriod]) -> dict[str, int]:
    totals = dict.fromkeys(Metric.values, 0)
    for row in series:
        for metric, value in row.values.items():
            totals[metric] += value
    return totals
