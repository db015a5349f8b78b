from __future__ import annotations

from base64 import b64decode
from typing import Any
from urllib.parse import parse_qs

from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

from .errors import ParleyError


class CreatedCursorPagination(CursorPagination):
    """Newest first, by a stable cursor; the page's rows are in ``results``.

    A ``page_size`` that is not a whole number from 1 to ``max_page_size`` and a cursor that was
    not made by Parley are refused with 400 naming the parameter, never quietly replaced.
    """

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return int(self.page_size or 50)
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ParleyError(
                f"page_size must be a whole number from 1 to {self.max_page_size}.",
                field="page_size",
            )
        return int(raw)

    def decode_cursor(self, request: Request) -> Any:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        refused = ParleyError(
            "cursor is not a cursor this API gave out.", field="cursor", code="invalid_cursor"
        )
        try:
            tokens = parse_qs(
                b64decode(encoded.encode("ascii")).decode("ascii"), strict_parsing=True
            )
            cursor = super().decode_cursor(request)
        except Exception as error:
            raise refused from error
        if not tokens or not set(tokens) <= {"o", "r", "p"} or not {"o", "p"} & set(tokens):
            raise refused
        return cursor

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters
