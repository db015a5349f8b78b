from __future__ import annotations

from rest_framework import serializers

from core import phones

from .models import NumberOrder, PhoneNumber
from .services import MAX_SEARCH_RESULTS


class PhoneNumberSerializer(serializers.ModelSerializer):
    display = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=PhoneNumber.Status.choices, read_only=True)
    capabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=["sms", "mms", "voice"]), read_only=True
    )
    order_id = serializers.IntegerField(read_only=True, allow_null=True)
    release_order_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = PhoneNumber
        fields = [
            "id",
            "number",
            "display",
            "kind",
            "friendly_name",
            "capabilities",
            "status",
            "status_reason",
            "messaging_status",
            "messaging_status_reason",
            "messaging_status_action",
            "city",
            "state",
            "rate_center",
            "order_id",
            "release_order_id",
            "created_at",
            "activated_at",
            "released_at",
        ]
        read_only_fields = [f for f in fields if f != "friendly_name"]

    def get_display(self, obj: PhoneNumber) -> str:
        return phones.format_number(obj.number)


class PhoneNumberUpdateSerializer(serializers.Serializer):
    friendly_name = serializers.CharField(max_length=80, allow_blank=True)


class NumberPurchaseSerializer(serializers.Serializer):
    numbers = serializers.ListField(
        child=serializers.CharField(max_length=32),
        min_length=1,
        max_length=MAX_SEARCH_RESULTS,
        help_text="Numbers offered by a search, like +19195551234; national ones are read in the "
        "tenant's region.",
    )

    def validate_numbers(self, numbers: list[str]) -> list[str]:
        region = self.context.get("region", phones.DEFAULT_REGION)
        return [phones.normalize_number(n, field="numbers", region=region) for n in numbers]


class NumberOrderErrorSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True, help_text="Bandwidth's error code.")
    description = serializers.CharField()
    number = serializers.CharField(allow_null=True, help_text="The number it is about, if one.")


class NumberOrderSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=NumberOrder.Status.choices, read_only=True)
    numbers = serializers.ListField(child=serializers.CharField(), read_only=True)
    completed_numbers = serializers.ListField(child=serializers.CharField(), read_only=True)
    failed_numbers = serializers.ListField(child=serializers.CharField(), read_only=True)
    errors = NumberOrderErrorSerializer(many=True, read_only=True)

    class Meta:
        model = NumberOrder
        fields = [
            "id",
            "kind",
            "customer_order_id",
            "bandwidth_order_id",
            "status",
            "numbers",
            "completed_numbers",
            "failed_numbers",
            "errors",
            "created_at",
            "updated_at",
            "completed_at",
        ]
        read_only_fields = fields


class AvailableNumberQuerySerializer(serializers.Serializer):
    area_code = serializers.CharField(required=False, allow_blank=True, default="")
    city = serializers.CharField(required=False, allow_blank=True, default="")
    state = serializers.CharField(required=False, allow_blank=True, default="")
    zip = serializers.CharField(required=False, allow_blank=True, default="")
    toll_free = serializers.CharField(required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(required=False, default=10)


class AvailableNumberSerializer(serializers.Serializer):
    number = serializers.CharField()
    display = serializers.CharField()
    kind = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    rate_center = serializers.CharField()
