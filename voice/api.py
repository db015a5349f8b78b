from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core import idempotency
from tenants import selectors as tenant_selectors
from tenants.api_base import TenantViewSet
from tenants.permissions import CanManageTenant, IsTenantMember

from . import selectors, services
from .serializers import (
    CallCreateSerializer,
    CallFilterSerializer,
    CallSerializer,
    RecordingSerializer,
    RouteSerializer,
    VoicemailSerializer,
    VoicemailUpdateSerializer,
)


def _route_body(number: Any, config: dict[str, Any], has_audio: bool) -> dict[str, Any]:
    return {
        "number_id": number.pk,
        "number": number.number,
        "config": config,
        "greeting_audio": has_audio,
    }


def _acting_membership(request: Request, tenant: Any) -> Any:
    """The member placing the call: the signed-in user, or the creator of the API token."""
    membership = getattr(request, "membership", None)
    if membership is not None:
        return membership
    creator = getattr(request.auth, "created_by", None)
    if creator is None:
        return None
    return tenant_selectors.membership_list(tenant=tenant).filter(user=creator).first()


class NumberRouteViewSet(TenantViewSet):
    """GET and PUT /numbers/{id}/route/: the number's call routing (a JSON document)."""

    selector = staticmethod(selectors.route_number_list)
    serializer_class = RouteSerializer
    permission_classes = [IsTenantMember, CanManageTenant]

    def retrieve(self, request: Request, pk: str) -> Response:
        number = selectors.voice_number_get(tenant=self.tenant, pk=pk)
        route = selectors.call_route_for_number(tenant=self.tenant, phone_number=number)
        config = selectors.route_config(tenant=self.tenant, phone_number=number)
        return Response(_route_body(number, config, bool(route and route.greeting_audio)))

    def update(self, request: Request, pk: str) -> Response:
        number = selectors.voice_number_get(tenant=self.tenant, pk=pk)
        body = RouteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        route = services.call_route_save(
            tenant=self.tenant, phone_number=number, config=body.validated_data["config"]
        )
        return Response(_route_body(number, route.config, bool(route.greeting_audio)))


class CallViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantViewSet
):
    """Calls of the tenant; POST places a click-to-call (the agent's phone rings first)."""

    serializer_class = CallSerializer
    selector = staticmethod(selectors.call_list)
    query_serializers = {"list": CallFilterSerializer}
    error_statuses = {"create": (402,)}

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            queryset = queryset.filter(**self.query)
        return queryset

    @extend_schema(
        request=CallCreateSerializer,
        parameters=idempotency.openapi_parameters(202),
        responses={202: CallSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = CallCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        call, created = services.call_create(
            tenant=self.tenant,
            from_number=data["from"],
            to=data["to"],
            agent=data.get("agent") or None,
            membership=_acting_membership(request, self.tenant),
            idempotency_key=request.headers.get(idempotency.HEADER, ""),
        )
        response = Response(CallSerializer(call).data, status=status.HTTP_202_ACCEPTED)
        if not created:
            response[idempotency.REPLAYED_HEADER] = "true"
        return response

    @extend_schema(responses=RecordingSerializer(many=True))
    @action(detail=True, methods=["get"])
    def recordings(self, request: Request, pk: str) -> Response:
        call = self.get_object()
        recordings = selectors.recording_list(tenant=self.tenant, call=call)
        return Response(RecordingSerializer(recordings, many=True).data)


class VoicemailViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    serializer_class = VoicemailSerializer
    selector = staticmethod(selectors.voicemail_list)

    @extend_schema(request=VoicemailUpdateSerializer, responses=VoicemailSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        voicemail = self.get_object()
        body = VoicemailUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        voicemail = services.voicemail_mark(
            voicemail=voicemail, listened=body.validated_data["listened"], user=request.user
        )
        return Response(VoicemailSerializer(voicemail).data)
