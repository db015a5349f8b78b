from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from . import selectors, services
from .api_base import TenantAPIView, TenantViewSet
from .permissions import CanManageTenant, IsTenantMember
from .serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    MembershipSerializer,
    TenantSerializer,
)


class TenantView(TenantAPIView):
    """The tenant the caller acts for."""

    @extend_schema(responses=TenantSerializer)
    def get(self, request: Request) -> Response:
        return Response(TenantSerializer(request.tenant).data)  # type: ignore[attr-defined]


class MemberViewSet(mixins.ListModelMixin, TenantViewSet):
    serializer_class = MembershipSerializer
    selector = staticmethod(selectors.membership_list)
    ordering = ("created_at", "id")


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantViewSet
):
    """List, create (the full token comes back once) and revoke (DELETE) API tokens."""

    serializer_class = ApiTokenSerializer
    selector = staticmethod(selectors.api_token_list)
    permission_classes = [IsTenantMember, CanManageTenant]

    @extend_schema(request=ApiTokenSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        creator = request.user if getattr(request.user, "pk", None) else None
        if creator is None and request.auth is not None:
            creator = request.auth.created_by
        token, plaintext = services.api_token_create(
            tenant=self.tenant,
            name=data["name"],
            scopes=data["scopes"],
            created_by=creator,
            expires_at=data.get("expires_at"),
        )
        body = ApiTokenCreatedSerializer(token, context={"plaintext": plaintext}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ApiTokenSerializer})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        token = services.api_token_revoke(token=self.get_object())
        return Response(ApiTokenSerializer(token).data)
