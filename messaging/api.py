from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core import idempotency, phones
from tenants.api_base import TenantViewSet
from tenants.errors import NotFound, ParleyError
from tenants.models import ApiToken

from . import selectors, services
from .serializers import (
    ContactSerializer,
    ConversationSerializer,
    ConversationUpdateSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    MessageUpdateSerializer,
    OptOutCreateSerializer,
    OptOutSerializer,
)


def _when(value: str | None, name: str) -> Any:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise ParleyError(f"{name} must be an ISO 8601 date-time.", field=name)
    return parsed


def _number(value: str | None, region: str) -> str:
    """The filter's number in E.164; a partial number is refused rather than matched as text."""
    return phones.normalize_number(value, field="number", region=region) if value else ""


def _sender(request: Request) -> dict[str, Any]:
    if isinstance(request.auth, ApiToken):
        return {"sent_by": request.auth.created_by, "sent_by_token": request.auth}
    return {"sent_by": request.user}


class MessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Send (POST, with an optional Idempotency-Key header), list, read, reschedule or cancel."""

    serializer_class = MessageSerializer
    selector = staticmethod(selectors.message_list)
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return super().get_queryset()
        params = self.request.query_params
        return selectors.message_list(
            tenant=self.tenant,
            conversation=params.get("conversation") or None,
            number=_number(params.get("number"), self.tenant.default_region),
            direction=params.get("direction", ""),
            status=params.get("status", ""),
            since=_when(params.get("since"), "since"),
            until=_when(params.get("until"), "until"),
        )

    @extend_schema(
        request=MessageCreateSerializer,
        parameters=idempotency.openapi_parameters(201, 202),
        responses={202: MessageSerializer, 201: MessageSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data: Any = request.data
        uploads = []
        if hasattr(data, "getlist"):
            uploads = list(request.FILES.getlist("media"))
            data = {
                "from": data.get("from"),
                "to": data.getlist("to"),
                "text": data.get("text", ""),
                "media": [v for v in data.getlist("media") if isinstance(v, str)],
                "tag": data.get("tag", ""),
                **({"send_at": data.get("send_at")} if data.get("send_at") else {}),
            }
        elif isinstance(data, dict) and isinstance(data.get("to"), str):
            data = {**data, "to": [data["to"]]}
        serializer = MessageCreateSerializer(
            data=data, context={"region": self.tenant.default_region}
        )
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        result = services.message_send(
            tenant=self.tenant,
            from_number=values["from"],
            to=values["to"],
            text=values.get("text", ""),
            media_urls=values.get("media", []),
            uploads=uploads,
            send_at=values.get("send_at"),
            tag=values.get("tag", ""),
            allow_not_textable=values.get("allow_not_textable", False),
            idempotency_key=request.headers.get(idempotency.HEADER, ""),
            **_sender(request),
        )
        message = result.message
        code = status.HTTP_201_CREATED if message.scheduled_for else status.HTTP_202_ACCEPTED
        response = Response(MessageSerializer(message).data, status=code)
        if not result.created:
            response[idempotency.REPLAYED_HEADER] = "true"
        return response

    @extend_schema(request=MessageUpdateSerializer, responses={200: MessageSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = MessageUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.message_reschedule(
            message=self.get_object(),
            text=serializer.validated_data.get("text"),
            send_at=serializer.validated_data.get("send_at"),
        )
        return Response(MessageSerializer(message).data)

    @extend_schema(responses={200: MessageSerializer})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        message = services.message_cancel(message=self.get_object())
        return Response(MessageSerializer(message).data)


class ConversationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    serializer_class = ConversationSerializer
    selector = staticmethod(selectors.conversation_list)

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return super().get_queryset()
        params = self.request.query_params
        return selectors.conversation_list(
            tenant=self.tenant,
            view=params.get("view", ""),
            membership=getattr(self.request, "membership", None),
            query=params.get("q", ""),
        )

    @extend_schema(request=ConversationUpdateSerializer, responses={200: ConversationSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        conversation = self.get_object()
        serializer = ConversationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        if "assignee" in values:
            assignee = None
            if values["assignee"] is not None:
                members = selectors.members(tenant=self.tenant)
                assignee = members.filter(pk=values["assignee"]).first()
                if assignee is None:
                    raise ParleyError("No such member in this tenant.", field="assignee")
            services.conversation_assign(conversation=conversation, assignee=assignee)
        if "status" in values:
            services.conversation_set_status(conversation=conversation, status=values["status"])
        if values.get("read"):
            services.conversation_mark_read(conversation=conversation)
        conversation.refresh_from_db()
        return Response(ConversationSerializer(conversation).data)


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    serializer_class = ContactSerializer
    selector = staticmethod(selectors.contact_list)
    ordering = ("-created_at", "-id")


class OptOutViewSet(mixins.ListModelMixin, TenantViewSet):
    """The opt-out ledger; POST opts a number out, DELETE /opt-outs/{number}/ opts it back in."""

    serializer_class = OptOutSerializer
    selector = staticmethod(selectors.opt_out_list)
    lookup_field = "number"
    lookup_value_regex = r"[^/]+"

    @extend_schema(request=OptOutCreateSerializer, responses={201: ContactSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = OptOutCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = services.contact_opt_out(
            tenant=self.tenant, number=serializer.validated_data["number"], source="api"
        )
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ContactSerializer})
    def destroy(self, request: Request, number: str, *args: Any, **kwargs: Any) -> Response:
        e164 = phones.normalize_number(number, field="number", region=self.tenant.default_region)
        contact = selectors.contact_find(tenant=self.tenant, number=e164)
        if contact is None or not contact.opted_out:
            raise NotFound(f"{e164} is not opted out.", field="number")
        contact = services.contact_opt_in(tenant=self.tenant, number=e164, source="api")
        return Response(ContactSerializer(contact).data)
