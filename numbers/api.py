from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core import idempotency
from tenants.api_base import TenantViewSet
from tenants.permissions import CanManageTenant, IsTenantMember

from . import selectors, services
from .serializers import (
    AvailableNumberQuerySerializer,
    AvailableNumberSerializer,
    NumberOrderSerializer,
    NumberPurchaseSerializer,
    PhoneNumberSerializer,
    PhoneNumberUpdateSerializer,
)


class NumberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The tenant's numbers: search, buy (POST), rename (PATCH) and release (DELETE)."""

    serializer_class = PhoneNumberSerializer
    selector = staticmethod(selectors.number_list)
    permission_classes = [IsTenantMember, CanManageTenant]
    lookup_value_regex = r"\d+"
    query_serializers = {"available": AvailableNumberQuerySerializer}

    @extend_schema(
        responses=inline_serializer(
            "AvailableNumbers", {"results": AvailableNumberSerializer(many=True)}
        ),
    )
    @action(detail=False, methods=["get"], url_path="available")
    def available(self, request: Request) -> Response:
        data = self.query
        offers = services.number_search(
            tenant=self.tenant,
            area_code=data["area_code"],
            city=data["city"],
            state=data["state"],
            zip_code=data["zip"],
            toll_free=data["toll_free"],
            quantity=data["quantity"],
        )
        results = [
            {
                "number": o.number,
                "display": o.display,
                "kind": o.kind,
                "city": o.city,
                "state": o.state,
                "rate_center": o.rate_center,
            }
            for o in offers
        ]
        return Response({"results": AvailableNumberSerializer(results, many=True).data})

    @extend_schema(
        request=NumberPurchaseSerializer,
        parameters=idempotency.openapi_parameters(201),
        responses={
            201: inline_serializer(
                "NumbersOrdered",
                {
                    "numbers": PhoneNumberSerializer(many=True),
                    "order": NumberOrderSerializer(),
                },
            )
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = NumberPurchaseSerializer(
            data=request.data, context={"region": self.tenant.default_region}
        )
        body.is_valid(raise_exception=True)
        purchase = services.number_order(
            tenant=self.tenant,
            numbers=body.validated_data["numbers"],
            idempotency_key=request.headers.get(idempotency.HEADER, ""),
        )
        response = Response(
            {
                "numbers": PhoneNumberSerializer(purchase.numbers, many=True).data,
                "order": NumberOrderSerializer(purchase.order).data,
            },
            status=status.HTTP_201_CREATED,
        )
        if not purchase.created:
            response[idempotency.REPLAYED_HEADER] = "true"
        return response

    @extend_schema(request=PhoneNumberUpdateSerializer, responses=PhoneNumberSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = PhoneNumberUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        number = services.number_update(
            tenant=self.tenant,
            phone_number=self.get_object(),
            friendly_name=body.validated_data["friendly_name"],
        )
        return Response(PhoneNumberSerializer(number).data)

    @extend_schema(request=None, responses={202: PhoneNumberSerializer})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        number = services.number_release(tenant=self.tenant, phone_number=self.get_object())
        return Response(PhoneNumberSerializer(number).data, status=status.HTTP_202_ACCEPTED)


class NumberOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    serializer_class = NumberOrderSerializer
    selector = staticmethod(selectors.number_order_list)


@extend_schema(exclude=True)
class NumberAvailableAlias(NumberViewSet):
    """``/numbers/available`` without the trailing slash, as the API is documented."""
