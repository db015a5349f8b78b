"""The OpenAPI schema's shared parts: every operation documents its query parameters (from the
view's ``query_serializers``), its error responses in the one error shape, and the headers every
response carries."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

ERROR_DESCRIPTIONS = {
    400: "Bad input: `error.fields` names each parameter or field at fault and why.",
    401: "No valid API token (`Authorization: Bearer prl_...`).",
    402: "A monthly usage limit is reached (`usage_limit_reached`); staff can raise it.",
    403: "The token lacks the scope, or the tenant is suspended.",
    404: "No such resource in this tenant.",
    409: "A conflict: the Idempotency-Key is in use with another body or still in progress, or "
    "too many calls are already in progress.",
    413: "The request body is too large.",
    415: "The content type is not accepted.",
    429: "Too many requests (`throttled`, or `call_limit_reached`); see `Retry-After`.",
}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. validation_error.")
    message = serializers.CharField(help_text="One sentence for people.")
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Each parameter or field at fault, with the reasons.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


RESPONSE_HEADERS = [
    OpenApiParameter(
        "X-Request-Id",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=True,
        required=True,
        description="This request's id: the client's own X-Request-Id when it sent a sane one. "
        "It is in Parley's log lines too.",
    ),
    *(
        OpenApiParameter(
            name,
            OpenApiTypes.INT,
            OpenApiParameter.HEADER,
            response=True,
            description=description,
        )
        for name, description in (
            ("RateLimit-Limit", "Requests allowed per window for this token."),
            ("RateLimit-Remaining", "Requests left in the window."),
            ("RateLimit-Reset", "Seconds until the window frees a request."),
        )
    ),
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[429],
        description="Seconds to wait before trying again.",
    ),
]


class ParleyAutoSchema(AutoSchema):
    def get_override_parameters(self) -> list[Any]:
        parameters: list[Any] = [*super().get_override_parameters(), *RESPONSE_HEADERS]
        query_serializer_class = getattr(self.view, "query_serializer_class", None)
        if callable(query_serializer_class):
            found = query_serializer_class()
            if found is not None:
                parameters.append(found)
        return parameters

    def _get_paginator(self) -> Any:
        # Only the list actions paginate (an extra action returning a list does not).
        if getattr(self.view, "action", None) != "list":
            return None
        return super()._get_paginator()

    def error_statuses(self) -> list[int]:
        statuses = {400, 401, 403, 429}
        if "{" in self.path:
            statuses.add(404)
        if self.method in WRITE_METHODS:
            statuses.update({409, 413, 415})
        extra = getattr(self.view, "error_statuses", {})
        action = getattr(self.view, "action", None) or self.method.lower()
        statuses.update(extra.get(action, ()))
        return sorted(statuses)

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code, response in responses.items():
            # drf-spectacular answers a bare destroy with a 204 that carries no headers.
            if "headers" not in response:
                headers = self._get_response_headers_for_code(code, direction)
                if headers:
                    response["headers"] = headers
        for status in self.error_statuses():
            code = str(status)
            if code in responses:
                continue
            response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
            response["description"] = ERROR_DESCRIPTIONS[status]
            responses[code] = response
        return responses
