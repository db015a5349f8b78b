from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import timedelta

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from tenants.decorators import tenant_required

from . import selectors
from .models import Metric
from .serializers import UsageQuerySerializer

MESSAGE_METRICS = (Metric.SMS_OUT_SEGMENTS, Metric.SMS_IN_SEGMENTS, Metric.MMS_OUT, Metric.MMS_IN)
CHART_HEIGHT = 120
BAR_WIDTH = 18
BAR_GAP = 4


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    label: str


def _bars(values: list[tuple[str, int]]) -> list[Bar]:
    """An SVG bar per value, scaled to the chart's height (attributes, not styles: the CSP
    forbids inline styles)."""
    top = max((value for _, value in values), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(values):
        height = round(CHART_HEIGHT * value / top)
        bars.append(
            Bar(
                x=index * (BAR_WIDTH + BAR_GAP),
                y=CHART_HEIGHT - height,
                height=height,
                label=f"{label}: {value}",
            )
        )
    return bars


@tenant_required
def usage_page(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    end = timezone.now().date()
    start = end - timedelta(days=29)
    series = selectors.usage_series(tenant=tenant, start=start, end=end)
    month = selectors.usage_series(
        tenant=tenant, start=end.replace(day=1), end=end, granularity="month"
    )
    minutes = (Metric.CALL_MINUTES_IN, Metric.CALL_MINUTES_OUT)
    charts = [
        {
            "title": "Messages (SMS segments and MMS, both ways)",
            "bars": _bars(
                [
                    (
                        row.period.isoformat(),
                        sum(
                            v
                            for m, v in row.values.items()
                            if m not in (*minutes, "number_days", "lookups")
                        ),
                    )
                    for row in series
                ]
            ),
        },
        {
            "title": "Call minutes (both ways)",
            "bars": _bars(
                [(row.period.isoformat(), sum(row.values[m] for m in minutes)) for row in series]
            ),
        },
    ]
    context = {
        "series": series,
        "totals": selectors.usage_totals(series),
        "month_totals": selectors.usage_totals(month),
        "metrics": list(Metric),
        "charts": charts,
        "chart_width": len(series) * (BAR_WIDTH + BAR_GAP),
        "chart_height": CHART_HEIGHT,
        "bar_width": BAR_WIDTH,
        "limits": [
            status
            for limit in selectors.LIMIT_METRICS
            if (status := selectors.usage_limit_status(tenant=tenant, limit=limit)) is not None
        ],
        "start": start,
        "end": end,
    }
    return render(request, "usage/usage.html", context)


@tenant_required
def usage_export(request: HttpRequest) -> HttpResponse:
    """The usage as CSV, with the API's ``from``, ``to`` and ``granularity``."""
    query = UsageQuerySerializer(data=request.GET.dict())
    if not query.is_valid():
        return JsonResponse({"errors": query.errors}, status=400)
    data = query.validated_data
    series = selectors.usage_series(
        tenant=request.tenant,  # type: ignore[attr-defined]
        start=data["start"],
        end=data["end"],
        granularity=data["granularity"],
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"usage-{data['start']}-{data['end']}-{data['granularity']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(["period", *Metric.values])
    for row in series:
        writer.writerow([row.period.isoformat(), *(row.values[m] for m in Metric.values)])
    return response
