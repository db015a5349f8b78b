from __future__ import annotations

from typing import Any

from rest_framework import serializers

from . import catalogue
from .models import Delivery, DeliveryAttempt, WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(child=serializers.ChoiceField(list(catalogue.EVENT_TYPES)))

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "enabled",
            "disabled_at",
            "disabled_reason",
            "failing_since",
            "last_success_at",
            "previous_secret_expires_at",
            "created_at",
        ]
        read_only_fields = fields


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(list(catalogue.EVENT_TYPES)), allow_empty=False
    )


class WebhookEndpointUpdateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(list(catalogue.EVENT_TYPES)),
        allow_empty=False,
        required=False,
    )
    enabled = serializers.BooleanField(required=False)
    replay_missed = serializers.BooleanField(
        required=False,
        default=False,
        help_text="With enabled=true on a disabled endpoint: send what it missed while off.",
    )


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.SerializerMethodField(
        help_text="The signing secret (whsec_...). It is shown only this once."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    def get_secret(self, obj: Any) -> str:
        return str(self.context["secret"])


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    request_headers = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text="The headers Parley sent."
    )

    class Meta:
        model = DeliveryAttempt
        fields = [
            "number",
            "created_at",
            "url",
            "request_headers",
            "response_status",
            "latency_ms",
            "response_excerpt",
            "error",
        ]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.public_id", read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)
    payload = serializers.DictField(
        source="event.payload", read_only=True, help_text="What was sent: type, timestamp, data."
    )
    attempt_log = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "webhook_id",
            "event_id",
            "event_type",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "last_response_status",
            "last_error",
            "succeeded_at",
            "created_at",
            "attempt_log",
        ]
        read_only_fields = fields


class ReplayFailedSerializer(serializers.Serializer):
    since = serializers.DateTimeField()


class DeliveryFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Delivery.Status.choices, required=False)
    since = serializers.DateTimeField(required=False, help_text="Created at or after.")


class ReplayedSerializer(serializers.Serializer):
    replayed = serializers.IntegerField()
