from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import phones

from .models import Broadcast, Contact, Conversation, Media, Message, OptOut, Tag


class MediaSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="pending, stored or failed")

    class Meta:
        model = Media
        fields = ["id", "content_type", "size", "status", "source_url"]


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "properties": {
                "status": {"type": "string"},
                "error_code": {"type": "integer", "nullable": True},
            },
            "additionalProperties": True,
        },
    }
)
class RecipientStatusField(serializers.JSONField):
    pass


class MessageSerializer(serializers.ModelSerializer):
    """A message; ``from`` is the sending number."""

    media = MediaSerializer(many=True, read_only=True)
    from_ = serializers.CharField(source="from_number", read_only=True)
    status = serializers.ChoiceField(choices=Message.Status.choices, read_only=True)
    direction = serializers.ChoiceField(choices=Message.Direction.choices, read_only=True)
    to = serializers.ListField(child=serializers.CharField(), read_only=True)
    recipient_status = RecipientStatusField(
        read_only=True, help_text="Per recipient: status and error code."
    )

    class Meta:
        model = Message
        fields = [
            "id",
            "conversation",
            "direction",
            "from_",
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

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


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
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Contact
        fields = [
            "id",
            "number",
            "name",
            "notes",
            "tags",
            "opted_out",
            "opted_out_at",
            "opted_in_at",
        ]


class ContactWriteSerializer(serializers.Serializer):
    """A contact's changes (its number cannot change)."""

    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=20
    )


class ContactCreateSerializer(ContactWriteSerializer):
    """A new contact; the number is read in the tenant's region."""

    number = serializers.CharField(max_length=32)


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "created_at"]


class ConversationSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="phone_number.number", read_only=True)
    participants = serializers.ListField(child=serializers.CharField(), read_only=True)
    status = serializers.ChoiceField(choices=Conversation.Status.choices, read_only=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Conversation
        fields = [
            "id",
            "number",
            "participants",
            "tags",
            "last_message_at",
            "last_message_preview",
            "unread_count",
            "assignee",
            "status",
            "created_at",
        ]


class ConversationUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Conversation.Status.choices, required=False)
    assignee = serializers.IntegerField(required=False, allow_null=True)
    read = serializers.BooleanField(required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=20
    )


class OptOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = OptOut
        fields = ["id", "number", "action", "keyword", "source", "created_at"]


class OptOutCreateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32)


class BroadcastSerializer(serializers.ModelSerializer):
    """A broadcast; ``report`` (detail and create only) holds its progress and outcome."""

    tag = serializers.SlugRelatedField(read_only=True, slug_field="name")
    status = serializers.CharField(
        read_only=True, help_text="scheduled, sending, paused, canceled or done"
    )

    class Meta:
        model = Broadcast
        fields = [
            "id",
            "name",
            "text",
            "status",
            "tag",
            "contact_import",
            "send_at",
            "segment_count",
            "rate_per_second",
            "recipient_count",
            "skipped_opted_out",
            "skipped_blocked",
            "skipped_not_textable",
            "created_at",
            "started_at",
            "finished_at",
            "canceled_at",
        ]

    def to_representation(self, instance: Broadcast) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["from"] = [n.number for n in instance.phone_numbers.all()]
        report = self.context.get("report")
        if report is not None:
            data["report"] = report
        return data


class BroadcastCreateSerializer(serializers.Serializer):
    """Text a tag (its name or id) or an imported list (``contact_import``, an import's id) from
    one or more of the tenant's numbers, now or at ``send_at``."""

    name = serializers.CharField(max_length=120)
    text = serializers.CharField(max_length=2048, trim_whitespace=False)
    from_ = serializers.ListField(child=serializers.CharField(max_length=32), min_length=1)
    tag = serializers.CharField(max_length=40, required=False, allow_blank=True)
    contact_import = serializers.IntegerField(required=False, allow_null=True)
    send_at = serializers.DateTimeField(required=False, allow_null=True)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class MessageFilterSerializer(serializers.Serializer):
    conversation = serializers.IntegerField(min_value=1, required=False)
    number = serializers.CharField(
        max_length=32, required=False, help_text="A participant or the sending number."
    )
    direction = serializers.ChoiceField(choices=Message.Direction.choices, required=False)
    status = serializers.ChoiceField(choices=Message.Status.choices, required=False)
    since = serializers.DateTimeField(required=False, help_text="Created at or after.")
    until = serializers.DateTimeField(required=False, help_text="Created at or before.")


class ConversationFilterSerializer(serializers.Serializer):
    view = serializers.ChoiceField(choices=["open", "closed", "mine", "unassigned"], required=False)
    q = serializers.CharField(
        max_length=200, required=False, help_text="A contact's name, a number or message text."
    )
    tag = serializers.CharField(
        max_length=40, required=False, help_text="A tag of the conversation, by name or id."
    )


class ContactFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=200, required=False, help_text="A contact's name or number."
    )
    tag = serializers.CharField(
        max_length=40, required=False, help_text="A tag of the contact, by name or id."
    )
