from __future__ import annotations

from typing import Any

from rest_framework import serializers

from . import services
from .models import Brand, BusinessProfile, Campaign, TollFreeVerification


class ProfileSerializer(serializers.ModelSerializer):
    missing_for_brand = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Null until the profile is first saved."
    )

    class Meta:
        model = BusinessProfile
        fields = [*services.PROFILE_FIELDS, "missing_for_brand", "updated_at"]
        read_only_fields = ["missing_for_brand", "updated_at"]

    def get_missing_for_brand(self, obj: BusinessProfile) -> list[str]:
        return services.profile_missing(obj)


class ProfileUpdateSerializer(serializers.Serializer):
    """Every field is optional; only those given change. Checked by the service."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Give a JSON object."]})
        return dict(data)


class BrandSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Brand
        fields = [
            "id",
            "bandwidth_brand_id",
            "status",
            "status_display",
            "status_detail",
            "checked_at",
            "created_at",
        ]
        read_only_fields = fields


class CampaignSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    sub_use_cases = serializers.ListField(child=serializers.CharField(), read_only=True)
    samples = serializers.ListField(child=serializers.CharField(), read_only=True)
    carrier_statuses = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Each carrier's review: REVIEW, APPROVED, REJECTED or SUSPENDED.",
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "bandwidth_campaign_id",
            "use_case",
            "sub_use_cases",
            "description",
            "samples",
            "message_flow",
            "help_message",
            "optout_message",
            "status",
            "status_display",
            "carrier_statuses",
            "approved_at",
            "checked_at",
            "created_at",
        ]
        read_only_fields = fields


class CampaignCreateSerializer(serializers.Serializer):
    use_case = serializers.CharField()
    sub_use_cases = serializers.ListField(child=serializers.CharField(), required=False)
    description = serializers.CharField()
    samples = serializers.ListField(child=serializers.CharField(allow_blank=True))
    message_flow = serializers.CharField()
    help_message = serializers.CharField(required=False, allow_blank=True)
    optout_message = serializers.CharField(required=False, allow_blank=True)


class TollFreeVerificationSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    resubmit_deadline = serializers.DateTimeField(read_only=True, allow_null=True)
    can_resubmit = serializers.BooleanField(read_only=True)
    numbers = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = TollFreeVerification
        fields = [
            "id",
            "numbers",
            "use_case",
            "use_case_summary",
            "sample_message",
            "opt_in_description",
            "message_volume",
            "status",
            "status_display",
            "denial_code",
            "denial_reason",
            "resubmit_allowed",
            "resubmit_deadline",
            "can_resubmit",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class TollFreeVerificationCreateSerializer(serializers.Serializer):
    numbers = serializers.ListField(child=serializers.CharField())
    use_case = serializers.CharField()
    use_case_summary = serializers.CharField()
    sample_message = serializers.CharField()
    opt_in_description = serializers.CharField()
    message_volume = serializers.IntegerField(required=False, default=1000)


class TollFreeVerificationResubmitSerializer(serializers.Serializer):
    use_case = serializers.CharField(required=False)
    use_case_summary = serializers.CharField(required=False)
    sample_message = serializers.CharField(required=False)
    opt_in_description = serializers.CharField(required=False)
    message_volume = serializers.IntegerField(required=False)
