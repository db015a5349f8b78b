"""The API's shared base: tenant-scoped views, one JSON error shape, cursor pagination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from core.json_endpoints import error_body

from .errors import ParleyError
from .models import Tenant


def _field_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            fields.update(_field_errors(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            fields[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                fields.update(_field_errors(item, f"{prefix}[{index}]"))
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Renders every API error as ``{"error": {"code", "message", "fields"}}``."""
    if isinstance(exc, ParleyError):
        named = getattr(exc, "fields", None) or ([exc.field] if exc.field else [])
        fields = {name: [exc.message] for name in named}
        response = Response(error_body(exc.code, exc.message, fields), status=exc.status)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response["Retry-After"] = str(int(retry_after))
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    handled = drf_exception_handler(exc, context)
    if handled is None or not isinstance(exc, exceptions.APIException):
        return handled
    response = handled
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(exc.detail)
        first = next(iter(fields.items()), ("", ["Invalid input."]))
        message = f"{first[0]}: {first[1][0]}" if first[0] != "non_field_errors" else first[1][0]
        response.data = error_body("validation_error", message, fields)
    else:
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        response.data = error_body(str(code), str(detail))
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


class StrictQueryMixin:
    """Query parameters are part of the contract: each action declares its own in
    ``query_serializers`` (the list's filters, with their types and allowed values; the schema
    shows them), pagination adds ``cursor`` and ``page_size`` to paginated lists, and anything
    else is refused with 400 naming the parameter. A value the serializer refuses is 400 too,
    never an empty list. The checked values are in ``self.query``."""

    query_serializers: dict[str, type[serializers.Serializer]] = {}
    paginated_actions: tuple[str, ...] = ("list",)
    """Actions whose answer is a page (``list``, and extra actions such as a delivery log)."""
    query: dict[str, Any]

    def query_action(self) -> str:
        """The viewset's action, or an API view's method in lower case."""
        action = getattr(self, "action", None)
        if action:
            return str(action)
        request = getattr(self, "request", None)
        return str(getattr(request, "method", "") or "").lower()

    def query_serializer_class(self) -> type[serializers.Serializer] | None:
        return self.query_serializers.get(self.query_action())

    def allowed_query_parameters(self) -> set[str]:
        allowed: set[str] = set()
        serializer_class = self.query_serializer_class()
        if serializer_class is not None:
            allowed.update(serializer_class().fields)
        paginator = getattr(self, "paginator", None)
        if self.query_action() in self.paginated_actions and paginator is not None:
            allowed.update(
                name
                for name in (
                    getattr(paginator, "cursor_query_param", None),
                    getattr(paginator, "page_size_query_param", None),
                )
                if name
            )
        return allowed

    def check_query(self, request: Request) -> None:
        allowed = self.allowed_query_parameters()
        for name in request.query_params:
            if name not in allowed:
                raise ParleyError(
                    f"{name} is not a query parameter of this operation.",
                    field=name,
                    code="unknown_parameter",
                )
        self.query = {}
        serializer_class = self.query_serializer_class()
        if serializer_class is None:
            return
        data = {}
        for name in request.query_params:
            values = request.query_params.getlist(name)
            if len(values) > 1:
                raise ParleyError(f"{name} may be given once.", field=name)
            data[name] = values[0]
        checked = serializer_class(data=data)
        checked.is_valid(raise_exception=True)
        self.query = dict(checked.validated_data)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self.check_query(request)


class TenantAPIView(StrictQueryMixin, APIView):
    """A single-resource API view of the caller's tenant (no queryset)."""

    @property
    def tenant(self) -> Tenant:
        return self.request.tenant  # type: ignore[attr-defined]


class TenantViewSet(StrictQueryMixin, viewsets.GenericViewSet):
    """Every API view stands on this: its rows come only from ``selector(tenant=request.tenant)``.

    An id from another tenant is simply not in the queryset, so it is the same 404 as a missing one.
    """

    selector: Callable[..., QuerySet[Any]]

    @property
    def tenant(self) -> Tenant:
        return self.request.tenant  # type: ignore[attr-defined]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.get_serializer_class().Meta.model.objects.none()  # type: ignore[attr-defined]
        return type(self).selector(tenant=self.tenant)
