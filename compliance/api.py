"""/api/v1/compliance/: the business profile, the brand, campaigns and toll-free
verifications. Submitting changes what carriers see, so only owners and admins may write."""

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
    BrandSerializer,
    CampaignCreateSerializer,
    CampaignSerializer,
    ProfileSerializer,
    ProfileUpdateSerializer,
    TollFreeVerificationCreateSerializer,
    TollFreeVerificationResubmitSerializer,
    TollFreeVerificationSerializer,
)


class ProfileViewSet(TenantViewSet):
    """The tenant's business profile (one per tenant): GET and PUT (partial: the fields given)."""

    serializer_class = ProfileSerializer
    selector = staticmethod(selectors.profile_list)
    pagination_class = None
    permission_classes = [IsTenantMember, CanManageTenant]

    @extend_schema(responses=ProfileSerializer)
    def retrieve(self, request: Request) -> Response:
        return Response(ProfileSerializer(selectors.profile_for(tenant=self.tenant)).data)

    @extend_schema(request=ProfileSerializer, responses=ProfileSerializer)
    def put(self, request: Request) -> Response:
        values = ProfileUpdateSerializer().to_internal_value(request.data)
        profile = services.profile_update(tenant=self.tenant, **values)
        return Response(ProfileSerializer(profile).data)


class BrandViewSet(TenantViewSet):
    """The tenant's 10DLC brand: GET (404 until submitted), POST submits it from the profile."""

    serializer_class = BrandSerializer
    selector = staticmethod(selectors.brand_list)
    pagination_class = None
    permission_classes = [IsTenantMember, CanManageTenant]
    error_statuses = {"retrieve": (404,)}

    @extend_schema(responses=BrandSerializer)
    def retrieve(self, request: Request) -> Response:
        brand = selectors.brand_for(tenant=self.tenant)
        if brand is None:
            return Response(
                {
                    "error": {
                        "code": "not_found",
                        "message": "No brand submitted yet.",
                        "fields": {},
                    }
                },
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(BrandSerializer(brand).data)

    @extend_schema(request=None, responses={201: BrandSerializer})
    def create(self, request: Request) -> Response:
        brand = services.brand_submit(tenant=self.tenant)
        return Response(BrandSerializer(brand).data, status=status.HTTP_201_CREATED)


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    serializer_class = CampaignSerializer
    selector = staticmethod(selectors.campaign_list)
    permission_classes = [IsTenantMember, CanManageTenant]
    lookup_value_regex = r"\d+"

    @extend_schema(request=CampaignCreateSerializer, responses={201: CampaignSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = CampaignCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        campaign = services.campaign_create(tenant=self.tenant, **body.validated_data)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class TollFreeVerificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    serializer_class = TollFreeVerificationSerializer
    selector = staticmethod(selectors.toll_free_verification_list)
    permission_classes = [IsTenantMember, CanManageTenant]
    lookup_value_regex = r"\d+"

    @extend_schema(
        request=TollFreeVerificationCreateSerializer,
        responses={201: TollFreeVerificationSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = TollFreeVerificationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        verification = services.toll_free_verification_submit(
            tenant=self.tenant, **body.validated_data
        )
        return Response(
            TollFreeVerificationSerializer(verification).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=TollFreeVerificationResubmitSerializer,
        responses={202: TollFreeVerificationSerializer},
    )
    @action(detail=True, methods=["post"])
    def resubmit(self, request: Request, pk: str | None = None) -> Response:
        verification = self.get_object()
        body = TollFreeVerificationResubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        verification = services.toll_free_verification_resubmit(
            verification=verification, **body.validated_data
        )
        return Response(
            TollFreeVerificationSerializer(verification).data, status=status.HTTP_202_ACCEPTED
        )
