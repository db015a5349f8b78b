from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tenants.api_base import TenantViewSet
from tenants.permissions import CanManageTenant, IsTenantMember

from . import selectors, services
from .serializers import (
    DeliveryFilterSerializer,
    DeliverySerializer,
    ReplayedSerializer,
    ReplayFailedSerializer,
    WebhookEndpointCreateSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointUpdateSerializer,
    WebhookEndpointWithSecretSerializer,
)


class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantViewSet
):
    """Endpoints that receive signed events (Standard Webhooks); owners and admins change them.

    The secret comes back once, on create and on rotate-secret."""

    serializer_class = WebhookEndpointSerializer
    selector = staticmethod(selectors.webhook_endpoint_list)
    permission_classes = [IsTenantMember, CanManageTenant]
    query_serializers = {"deliveries": DeliveryFilterSerializer}
    paginated_actions = ("list", "deliveries")

    @extend_schema(
        request=WebhookEndpointCreateSerializer,
        responses={201: WebhookEndpointWithSecretSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = WebhookEndpointCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint, secret = services.webhook_endpoint_create(
            tenant=self.tenant, **serializer.validated_data
        )
        body = WebhookEndpointWithSecretSerializer(endpoint, context={"secret": secret}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookEndpointUpdateSerializer, responses=WebhookEndpointSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = WebhookEndpointUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_update(
            endpoint=self.get_object(), **serializer.validated_data
        )
        return Response(WebhookEndpointSerializer(endpoint).data)

    def perform_destroy(self, instance: Any) -> None:
        services.webhook_endpoint_delete(endpoint=instance)

    @extend_schema(request=None, responses=WebhookEndpointWithSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        endpoint, secret = services.webhook_endpoint_rotate_secret(endpoint=self.get_object())
        return Response(
            WebhookEndpointWithSecretSerializer(endpoint, context={"secret": secret}).data
        )

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Sends a ``ping`` event to this endpoint."""
        delivery = services.webhook_endpoint_ping(endpoint=self.get_object())
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        """The delivery log, newest first: each delivery with every attempt."""
        rows = selectors.delivery_list(
            tenant=self.tenant,
            endpoint=self.get_object(),
            status=self.query.get("status") or None,
            since=self.query.get("since"),
        ).prefetch_related("attempt_log")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses=DeliverySerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[0-9]+)/replay",
        url_name="delivery-replay",
    )
    def replay(self, request: Request, pk: str | None = None, delivery_id: str = "") -> Response:
        """Sends one delivery again (same webhook-id)."""
        delivery = selectors.delivery_get(
            tenant=self.tenant, endpoint=self.get_object(), pk=delivery_id
        )
        delivery = services.delivery_replay(delivery=delivery)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=ReplayFailedSerializer, responses={202: ReplayedSerializer})
    @action(detail=True, methods=["post"], url_path="replay-failed")
    def replay_failed(self, request: Request, pk: str | None = None) -> Response:
        """Sends again every failed delivery created since ``since``."""
        serializer = ReplayFailedSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        count = services.deliveries_replay_failed(
            endpoint=self.get_object(), since=serializer.validated_data["since"]
        )
        return Response({"replayed": count}, status=status.HTTP_202_ACCEPTED)
