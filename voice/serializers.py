from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Call, Recording, Voicemail


class CallSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Call.Status.choices, read_only=True)
    steps = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="What happened, in order."
    )
    from_ = serializers.SerializerMethodField(method_name="get_from_")
    to = serializers.SerializerMethodField()
    handled_by = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = [
            "id",
            "direction",
            "status",
            "from_",
            "to",
            "our_number",
            "other_party",
            "agent_number",
            "cause",
            "error_message",
            "started_at",
            "answered_at",
            "ended_at",
            "duration",
            "handled_by",
            "answered_by_number",
            "steps",
            "created_at",
        ]
        read_only_fields = fields

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def get_from_(self, call: Call) -> str:
        return call.our_number if call.direction == Call.Direction.OUTBOUND else call.other_party

    def get_to(self, call: Call) -> str:
        return call.other_party if call.direction == Call.Direction.OUTBOUND else call.our_number

    def get_handled_by(self, call: Call) -> str | None:
        return call.handled_by.email if call.handled_by else None


class CallCreateSerializer(serializers.Serializer):
    from_ = serializers.CharField(max_length=32)
    to = serializers.CharField(
        max_length=32, help_text="With its country code, or as dialled in the tenant's region."
    )
    agent = serializers.CharField(max_length=32, required=False, allow_blank=True)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class RecordingSerializer(serializers.ModelSerializer):
    call_id = serializers.IntegerField(read_only=True)
    media_available = serializers.SerializerMethodField()

    class Meta:
        model = Recording
        fields = [
            "id",
            "call_id",
            "bandwidth_recording_id",
            "duration",
            "file_format",
            "media_available",
            "transcription_status",
            "transcription_text",
            "created_at",
        ]
        read_only_fields = fields

    def get_media_available(self, recording: Recording) -> bool:
        return bool(recording.media_file)


class VoicemailSerializer(serializers.ModelSerializer):
    call_id = serializers.IntegerField(read_only=True)
    caller = serializers.CharField(source="call.other_party", read_only=True)
    number = serializers.CharField(source="call.our_number", read_only=True)
    recording = RecordingSerializer(read_only=True)

    class Meta:
        model = Voicemail
        fields = [
            "id",
            "call_id",
            "caller",
            "number",
            "listened",
            "listened_at",
            "recording",
            "created_at",
        ]
        read_only_fields = ["id", "call_id", "caller", "number", "listened_at", "recording"]


class VoicemailUpdateSerializer(serializers.Serializer):
    listened = serializers.BooleanField()


@extend_schema_field(
    {"type": "object", "additionalProperties": True, "description": "The routing document."}
)
class RouteConfigField(serializers.JSONField):
    pass


class RouteSerializer(serializers.Serializer):
    config = RouteConfigField()


class CallFilterSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=Call.Direction.choices, required=False)
    status = serializers.ChoiceField(choices=Call.Status.choices, required=False)
