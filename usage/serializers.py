from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from .models import Metric

MAX_DAYS = {"day": 366, "month": 3 * 366}


class UsageQuerySerializer(serializers.Serializer):
    from_ = serializers.DateField(required=False, help_text="First day (UTC); 29 days before to.")
    to = serializers.DateField(required=False, help_text="Last day (UTC), included; today.")
    granularity = serializers.ChoiceField(choices=["day", "month"], required=False, default="day")

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end: date = attrs.get("to") or timezone.now().date()
        start: date = attrs.get("from") or end - timedelta(days=29)
        granularity = attrs.get("granularity", "day")
        if start > end:
            raise serializers.ValidationError({"from": ["from must be on or before to."]})
        if (end - start).days >= MAX_DAYS[granularity]:
            raise serializers.ValidationError(
                {"from": [f"At most {MAX_DAYS[granularity]} days by {granularity}."]}
            )
        return {"start": start, "end": end, "granularity": granularity}


def _metrics_serializer() -> type[serializers.Serializer]:
    fields = {
        metric.value: serializers.IntegerField(help_text=str(metric.label)) for metric in Metric
    }
    return type("UsageMetricsSerializer", (serializers.Serializer,), fields)


UsageMetricsSerializer = _metrics_serializer()


class UsagePeriodSerializer(UsageMetricsSerializer):  # type: ignore[misc,valid-type]
    period = serializers.DateField(help_text="The day, or the first day of the month.")


class UsageReportSerializer(serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    granularity = serializers.ChoiceField(choices=["day", "month"])
    results = UsagePeriodSerializer(many=True)
    totals = UsageMetricsSerializer()

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields
