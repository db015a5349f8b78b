from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core import phones

from .models import Contact, Conversation, Media, Message, OptOut


class MediaSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="pending, stored or failed")

    class Meta:
        model = Media
        fields = ["id", "content_type", "size", "status", "source_url"]


class MessageSerializer(serializers.ModelSerializer):
    """A message; ``from`` is the sending number."""

    media = MediaSerializer(many=True, read_only=True)
    status = serializers.CharField(
        read_only=True,
        help_text="queued, sending, sent, delivered, failed, received or canceled",
    )
    direction = serializers.CharField(read_only=True, help_text="in or out")

    class Meta:
        model = Message
        fields = [
            "id",
            "conversation",
            "direction",
            "from_number",
            "to",
            "text",
            "segment_count",
            "encoding",
            "status",
            "recipient_status",
            "bandwidth_id",
            "error_code",
            "error_description",
            "tag",
            "scheduled_for",
            "queued_at",
            "sending_at",
            "sent_at",
            "delivered_at",
            "failed_at",
            "received_at",
            "canceled_at",
            "created_at",
            "media",
        ]

    def to_representation(self, instance: Message) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["from"] = data.pop("from_number")
        return data


class MessageCreateSerializer(serializers.Serializer):
    """A message to send; numbers written without a country code are read in the tenant's
    region (``context["region"]``) and come out in E.164."""

    from_ = serializers.CharField(max_length=32)
    to = serializers.ListField(child=serializers.CharField(max_length=32), min_length=1)
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    media = serializers.ListField(child=serializers.CharField(max_length=4096), required=False)
    send_at = serializers.DateTimeField(required=False, allow_null=True)
    tag = serializers.CharField(required=False, allow_blank=True, max_length=1024)
    allow_not_textable = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Send even to a number a lookup found to be a landline or deactivated.",
    )

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        region = self.context.get("region", phones.DEFAULT_REGION)
        attrs["from"] = phones.normalize_number(attrs["from"], field="from", region=region)
        attrs["to"] = [phones.normalize_number(n, field="to", region=region) for n in attrs["to"]]
        return attrs


class MessageUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, trim_whitespace=False)
    send_at = serializers.DateTimeField(required=False)


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "number", "name", "notes", "opted_out", "opted_out_at", "opted_in_at"]


class ConversationSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="phone_number.number", read_only=True)
    status = serializers.CharField(read_only=True, help_text="open or closed")

    class Meta:
        model = Conversation
        fields = [
            "id",
            "number",
            "participants",
            "last_message_at",
            "last_message_preview",
            "unread_count",
            "assignee",
            "status",
            "created_at",
        ]


class ConversationUpdateSerializer(serializers.Serializer):
    status = serializers.CharField(required=False, help_text="open or closed")
    assignee = serializers.IntegerField(required=False, allow_null=True)
    read = serializers.BooleanField(required=False)


class OptOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = OptOut
        fields = ["id", "number", "action", "keyword", "source", "created_at"]


class OptOutCreateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32)
