from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core import idempotency, phones
from tenants.api_base import TenantViewSet
from tenants.errors import NotFound, ParleyError
from tenants.models import ApiToken

from . import selectors, services
from .serializers import (
    BroadcastCreateSerializer,
    BroadcastSerializer,
    ContactCreateSerializer,
    ContactFilterSerializer,
    ContactSerializer,
    ContactWriteSerializer,
    ConversationFilterSerializer,
    ConversationSerializer,
    ConversationUpdateSerializer,
    MessageCreateSerializer,
    MessageFilterSerializer,
    MessageSerializer,
    MessageUpdateSerializer,
    OptOutCreateSerializer,
    OptOutSerializer,
    TagSerializer,
)


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
    query_serializers = {"list": MessageFilterSerializer}
    error_statuses = {"create": (402,)}

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False) or self.action != "list":
            return super().get_queryset()
        query = self.query
        return selectors.message_list(
            tenant=self.tenant,
            conversation=query.get("conversation"),
            number=_number(query.get("number"), self.tenant.default_region),
            direction=query.get("direction", ""),
            status=query.get("status", ""),
            since=query.get("since"),
            until=query.get("until"),
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
    query_serializers = {"list": ConversationFilterSerializer}

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False) or self.action != "list":
            return super().get_queryset()
        return selectors.conversation_list(
            tenant=self.tenant,
            view=self.query.get("view", ""),
            membership=getattr(self.request, "membership", None),
            query=self.query.get("q", ""),
            tag=_tag_filter(self.tenant, self.query.get("tag")),
        ).prefetch_related("tags")

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
        if "tags" in values:
            services.conversation_set_tags(conversation=conversation, tags=values["tags"])
        conversation.refresh_from_db()
        return Response(ConversationSerializer(conversation).data)


def _tag_filter(tenant: Any, value: str | None) -> Any:
    """``?tag=`` by name or id; a tag this tenant does not have is a 400 naming the field."""
    try:
        return selectors.tag_find(tenant=tenant, value=value or "")
    except Http404 as exc:
        raise ParleyError("No such tag.", field="tag", code="unknown_tag") from exc


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Contacts: list (``?q=``, ``?tag=``), create, change (name, notes, tags) and delete
    (their conversations stay; a number with an opt-out history is kept, cleared, with 200)."""

    serializer_class = ContactSerializer
    selector = staticmethod(selectors.contact_list)
    query_serializers = {"list": ContactFilterSerializer}
    ordering = ("-created_at", "-id")

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False) or self.action != "list":
            return super().get_queryset()
        return selectors.contact_list(
            tenant=self.tenant,
            query=self.query.get("q", ""),
            tag=_tag_filter(self.tenant, self.query.get("tag")),
        ).prefetch_related("tags")

    @extend_schema(request=ContactCreateSerializer, responses={201: ContactSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ContactCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        contact = services.contact_create(
            tenant=self.tenant,
            number=values["number"],
            name=values.get("name", ""),
            notes=values.get("notes", ""),
            tags=values.get("tags", []),
        )
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ContactWriteSerializer, responses={200: ContactSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ContactWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        if "number" in request.data:
            raise ParleyError("A contact's number cannot change; create another.", field="number")
        contact = services.contact_update(
            contact=self.get_object(),
            name=values.get("name"),
            notes=values.get("notes"),
            tags=values.get("tags"),
        )
        return Response(ContactSerializer(contact).data)

    @extend_schema(responses={204: None, 200: ContactSerializer})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        contact = self.get_object()
        if services.contact_delete(contact=contact):
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ContactSerializer(contact).data)


class TagViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, TenantViewSet):
    """The tenant's tags (they are created by naming them on a contact or conversation)."""

    serializer_class = TagSerializer
    selector = staticmethod(selectors.tag_list)

    def perform_destroy(self, instance: Any) -> None:
        services.tag_delete(tag=instance)


class BroadcastViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Broadcasts: create (POST, with an optional Idempotency-Key header), list, read with the
    report, and pause, resume or cancel."""

    serializer_class = BroadcastSerializer
    selector = staticmethod(selectors.broadcast_list)

    def _detail(self, broadcast: Any, code: int = status.HTTP_200_OK) -> Response:
        report = selectors.broadcast_report(tenant=self.tenant, broadcast=broadcast)
        data = BroadcastSerializer(broadcast, context={"report": report}).data
        return Response(data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    @extend_schema(
        request=BroadcastCreateSerializer,
        parameters=idempotency.openapi_parameters(201),
        responses={201: BroadcastSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data: Any = request.data
        if isinstance(data, dict) and isinstance(data.get("from"), str):
            data = {**data, "from": [data["from"]]}
        serializer = BroadcastCreateSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        tag = None
        if values.get("tag"):
            tag = _tag_filter(self.tenant, values["tag"])
        contact_import = None
        if values.get("contact_import") is not None:
            contact_import = (
                selectors.imported_lists(tenant=self.tenant)
                .filter(pk=values["contact_import"])
                .first()
            )
            if contact_import is None:
                raise ParleyError(
                    "No finished import with that id.", field="contact_import", code="unknown"
                )
        sender = _sender(request)
        result = services.broadcast_create(
            tenant=self.tenant,
            name=values["name"],
            text=values["text"],
            from_numbers=values["from"],
            tag=tag,
            contact_import=contact_import,
            send_at=values.get("send_at"),
            created_by=sender["sent_by"],
            created_by_token=sender.get("sent_by_token"),
            idempotency_key=request.headers.get(idempotency.HEADER, ""),
        )
        response = self._detail(result.broadcast, status.HTTP_201_CREATED)
        if not result.created:
            response[idempotency.REPLAYED_HEADER] = "true"
        return response

    @extend_schema(request=None, responses={200: BroadcastSerializer})
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: Any = None) -> Response:
        return self._detail(services.broadcast_pause(broadcast=self.get_object()))

    @extend_schema(request=None, responses={200: BroadcastSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: Any = None) -> Response:
        return self._detail(services.broadcast_resume(broadcast=self.get_object()))

    @extend_schema(request=None, responses={200: BroadcastSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        return self._detail(services.broadcast_cancel(broadcast=self.get_object()))


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
