"""/api/v1/port-ins/: check portability, create, change (a supplement once submitted), add
documents, submit, cancel."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core import idempotency
from tenants.api_base import TenantViewSet
from tenants.errors import ParleyError
from tenants.permissions import CanManageTenant, IsTenantMember

from . import selectors, services
from .serializers import (
    NumberCheckSerializer,
    PortInCheckRequestSerializer,
    PortInCreateSerializer,
    PortInDocumentSerializer,
    PortInDocumentUploadSerializer,
    PortInSerializer,
    PortInWriteSerializer,
)


def _user(request: Request) -> Any:
    return getattr(request.auth, "created_by", None) or request.user


class PortInViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The tenant's port-ins. A PATCH on a draft edits it; on a submitted port-in it sends a
    supplement; DELETE cancels (refused within 24 hours of the FOC date)."""

    serializer_class = PortInSerializer
    selector = staticmethod(selectors.port_in_list)
    permission_classes = [IsTenantMember, CanManageTenant]
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("documents")

    @extend_schema(
        request=PortInCheckRequestSerializer,
        responses=inline_serializer(
            "PortabilityCheck", {"results": NumberCheckSerializer(many=True)}
        ),
    )
    @action(detail=False, methods=["post"], url_path="check")
    def check(self, request: Request) -> Response:
        body = PortInCheckRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        checks = services.port_in_check(tenant=self.tenant, numbers=body.validated_data["numbers"])
        return Response({"results": NumberCheckSerializer(checks, many=True).data})

    @extend_schema(
        request=PortInCreateSerializer,
        parameters=idempotency.openapi_parameters(201),
        responses={201: PortInSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = PortInCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.port_in_create(
            tenant=self.tenant,
            data=dict(body.validated_data),
            user=_user(request),
            idempotency_key=request.headers.get(idempotency.HEADER, ""),
        )
        response = Response(PortInSerializer(result.port_in).data, status=status.HTTP_201_CREATED)
        if not result.created:
            response[idempotency.REPLAYED_HEADER] = "true"
        return response

    @extend_schema(request=PortInWriteSerializer, responses=PortInSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = PortInWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        port_in = services.port_in_update(
            tenant=self.tenant,
            port_in=self.get_object(),
            data=dict(body.validated_data),
            user=_user(request),
        )
        return Response(PortInSerializer(port_in).data)

    @extend_schema(request=None, responses=PortInSerializer)
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        port_in = services.port_in_cancel(
            tenant=self.tenant, port_in=self.get_object(), user=_user(request)
        )
        return Response(PortInSerializer(port_in).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=PortInSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        port_in = services.port_in_submit(
            tenant=self.tenant, port_in=self.get_object(), user=_user(request)
        )
        return Response(PortInSerializer(port_in).data)

    @extend_schema(
        request={"multipart/form-data": PortInDocumentUploadSerializer},
        responses={201: PortInDocumentSerializer},
        description="Upload a file (`kind` loa, bill or other, and `file`), or sign the LOA "
        "(`kind`=loa, `signed_name` and `consent`=true) to have it rendered to PDF.",
    )
    @action(detail=True, methods=["post"])
    def documents(self, request: Request, pk: str) -> Response:
        body = PortInDocumentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        port_in = self.get_object()
        if data.get("file") is not None:
            document = services.port_in_document_add(
                tenant=self.tenant,
                port_in=port_in,
                kind=data["kind"],
                upload=data["file"],
                user=_user(request),
            )
        else:
            if data["kind"] != "loa":
                raise ParleyError("Attach the file.", field="file")
            document = services.port_in_loa_sign(
                tenant=self.tenant,
                port_in=port_in,
                signed_name=data.get("signed_name"),
                consent=data.get("consent"),
                user=_user(request),
            )
        return Response(PortInDocumentSerializer(document).data, status=status.HTTP_201_CREATED)
