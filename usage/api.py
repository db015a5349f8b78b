from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from tenants.api_base import TenantAPIView

from . import selectors
from .serializers import UsageQuerySerializer, UsageReportSerializer


class UsageView(TenantAPIView):
    """The tenant's usage per day or month: SMS segments, MMS, call minutes, number-days,
    lookups. Days are UTC."""

    query_serializers = {"get": UsageQuerySerializer, "head": UsageQuerySerializer}

    @extend_schema(responses=UsageReportSerializer)
    def get(self, request: Request) -> Response:
        query = self.query
        series = selectors.usage_series(
            tenant=self.tenant,
            start=query["start"],
            end=query["end"],
            granularity=query["granularity"],
        )
        body = {
            "from": query["start"],
            "to": query["end"],
            "granularity": query["granularity"],
            "results": [{"period": row.period, **row.values} for row in series],
            "totals": selectors.usage_totals(series),
        }
        return Response(UsageReportSerializer(body).data)
