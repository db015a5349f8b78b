"""The JSON endpoints' guard: one error shape, a size and a nesting limit, never an HTML page.

Everything under ``JSON_PREFIXES`` (the API and Bandwidth's webhooks) is answered in JSON even
when Django itself refuses the request (404 from the URL resolver, 405 from ``require_POST``, 413
for a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, an unhandled 500). A JSON body nested deeper than
``JSON_MAX_DEPTH`` is refused with 400 before any parser sees it: Python's ``json`` recurses once
per level and a 200 KB body of brackets would otherwise end in ``RecursionError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

JSON_PREFIXES = ("/api/", "/webhooks/")
KEPT_HEADERS = ("WWW-Authenticate", "Allow", "Retry-After")

_CODES = {
    400: ("bad_request", "The request could not be read."),
    401: ("authentication_failed", "Authentication is required."),
    403: ("permission_denied", "You may not do this."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    413: ("payload_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "This content type is not accepted."),
    429: ("throttled", "Too many requests."),
    500: ("server_error", "Something went wrong on our side; it has been logged."),
    503: ("unavailable", "The service is unavailable; try again shortly."),
}


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(
    status: int, code: str | None = None, message: str | None = None
) -> JsonResponse:
    default_code, default_message = _CODES.get(status, ("error", "The request failed."))
    return JsonResponse(error_body(code or default_code, message or default_message), status=status)


def json_depth(body: bytes, limit: int) -> int:
    """How deep ``body``'s arrays and objects nest, counting no further than ``limit + 1``.

    Brackets inside strings do not count. Linear, and it never recurses.
    """
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def is_json_path(path: str) -> bool:
    return path.startswith(JSON_PREFIXES)


def _body_error(request: HttpRequest) -> JsonResponse | None:
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return None
    if (request.content_type or "").startswith("multipart/"):
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return error_response(400, message="Content-Length is not a number.")
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        return error_response(413, message=f"The request body is over {limit} bytes.")
    try:
        body = request.body
    except RequestDataTooBig:
        return error_response(413, message=f"The request body is over {limit} bytes.")
    max_depth = settings.JSON_MAX_DEPTH
    if json_depth(body, max_depth) > max_depth:
        return error_response(
            400, code="parse_error", message=f"The JSON body nests deeper than {max_depth} levels."
        )
    return None


class JsonEndpointsMiddleware:
    """Put high in ``MIDDLEWARE``: it answers refusals before sessions, CSRF and views run."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_json_path(request.path):
            return self.get_response(request)
        refused = _body_error(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if response.status_code < 400 or _is_json(response):
            return response
        replacement = error_response(response.status_code)
        for header in KEPT_HEADERS:
            if header in response:
                replacement[header] = response[header]
        return replacement


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() in (
        "application/json",
        "application/problem+json",
    )
