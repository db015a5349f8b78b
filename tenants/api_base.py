"""The API's shared base: tenant-scoped views, one JSON error shape, cursor pagination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from rest_framework import exceptions, status, viewsets
from rest_framework.response import Response
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
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
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


class TenantViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Every API view stands on this: its rows come only from ``selector(tenant=request.tenant)``.

    An id from another tenant is simply not in the queryset, so it is the same 404 as a missing one.
    """

    selector: Callable[..., QuerySet[Any]]

    @property
    def tenant(self) -> Tenant:
        return self.request.tenant  # type: ignore[attr-defined,no-any-return]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.get_serializer_class().Meta.model.objects.none()  # type: ignore[no-any-return]
        return type(self).selector(tenant=self.tenant)
