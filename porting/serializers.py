from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from .explain import explain
from .models import PortInDocument, PortInEvent, PortInRequest


class PortInCheckRequestSerializer(serializers.Serializer[Any]):
    numbers = serializers.ListField(child=serializers.CharField(max_length=32), max_length=50)


class NumberCheckSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    portable = serializers.BooleanField()
    reason = serializers.CharField()
    losing_carrier = serializers.CharField()
    wireless = serializers.BooleanField()
    needs_account_number_and_pin = serializers.BooleanField()
    toll_free = serializers.BooleanField()
    city = serializers.CharField()
    state = serializers.CharField()


class PortInWriteSerializer(serializers.Serializer[Any]):
    """The fields a tenant gives; the service checks them (and names the field at fault)."""

    numbers = serializers.ListField(
        child=serializers.CharField(max_length=32), max_length=50, required=False
    )
    account_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    house_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    street_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    city = serializers.CharField(max_length=80, required=False, allow_blank=True)
    state = serializers.CharField(max_length=2, required=False, allow_blank=True)
    zip_code = serializers.CharField(max_length=10, required=False, allow_blank=True)
    account_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    pin = serializers.CharField(max_length=20, required=False, allow_blank=True, write_only=True)
    authorizing_person = serializers.CharField(max_length=120, required=False, allow_blank=True)
    requested_foc_date = serializers.DateField(required=False, allow_null=True)


class PortInCreateSerializer(PortInWriteSerializer):
    """A new port-in: the numbers are required (the other fields may follow in changes)."""

    numbers = serializers.ListField(
        child=serializers.CharField(max_length=32), min_length=1, max_length=50
    )


class PortInDocumentSerializer(serializers.ModelSerializer[PortInDocument]):
    sent_to_bandwidth = serializers.SerializerMethodField()

    class Meta:
        model = PortInDocument
        fields = [
            "id",
            "kind",
            "original_name",
            "content_type",
            "size",
            "created_at",
            "sent_to_bandwidth",
        ]

    def get_sent_to_bandwidth(self, document: PortInDocument) -> bool:
        return bool(document.bandwidth_file_name)


class PortInDocumentUploadSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=PortInDocument.Kind.choices)
    file = serializers.FileField(required=False, allow_empty_file=True)
    signed_name = serializers.CharField(max_length=120, required=False)
    consent = serializers.BooleanField(required=False)


class PortInEventSerializer(serializers.ModelSerializer[PortInEvent]):
    class Meta:
        model = PortInEvent
        fields = ["kind", "status", "text", "author", "created_at"]


class PortInSerializer(serializers.ModelSerializer[PortInRequest]):
    status_meaning = serializers.SerializerMethodField()
    what_to_do = serializers.SerializerMethodField()
    numbers = serializers.ListField(child=serializers.CharField(), read_only=True)
    has_pin = serializers.BooleanField(read_only=True)
    documents = serializers.SerializerMethodField()
    can_cancel = serializers.SerializerMethodField()

    class Meta:
        model = PortInRequest
        fields = [
            "id",
            "numbers",
            "status",
            "status_meaning",
            "what_to_do",
            "exception_reason",
            "toll_free",
            "wireless",
            "losing_carrier",
            "account_name",
            "house_number",
            "street_name",
            "city",
            "state",
            "zip_code",
            "account_number",
            "has_pin",
            "authorizing_person",
            "requested_foc_date",
            "foc_at",
            "loa_signed_name",
            "loa_signed_at",
            "submitted_at",
            "closed_at",
            "created_at",
            "documents",
            "can_cancel",
        ]

    def get_status_meaning(self, port_in: PortInRequest) -> str:
        return explain(port_in.status).meaning

    def get_what_to_do(self, port_in: PortInRequest) -> str:
        return explain(port_in.status).action

    def get_documents(self, port_in: PortInRequest) -> list[dict[str, Any]]:
        kept = [d for d in port_in.documents.all() if d.purged_at is None]
        return PortInDocumentSerializer(kept, many=True).data  # type: ignore[return-value]

    def get_can_cancel(self, port_in: PortInRequest) -> bool:
        closed = port_in.status in (*PortInRequest.CLOSED_STATUSES, "REQUESTED_CANCEL")
        return not closed and not port_in.foc_within(timezone.now())
