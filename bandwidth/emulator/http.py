"""Route registry, response helpers and each Bandwidth API's error shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

ApiName = Literal["messaging", "voice", "numbers", "oauth", "sim", "page", "compliance"]
Handler = Callable[..., Response]

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


@dataclass(frozen=True)
class Route:
    api: ApiName
    path: str
    methods: tuple[str, ...]
    auth: bool
    handler: Handler


@dataclass
class Routes:
    """Handlers of one API. ``prefixes`` are prepended to every path (Numbers serves two)."""

    api: ApiName
    prefixes: tuple[str, ...] = ("",)
    entries: list[Route] = field(default_factory=list)

    def route(
        self, path: str, methods: list[str] | tuple[str, ...] = ("GET",), auth: bool = True
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for prefix in self.prefixes:
                self.entries.append(
                    Route(self.api, prefix + path, tuple(m.upper() for m in methods), auth, handler)
                )
            return handler

        return register


def utc_now_iso() -> str:
    """RFC 3339 with milliseconds and ``Z``, as Bandwidth writes times."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(obj),
        status=status,
        content_type="application/json",
        headers=headers or {},
    )


def xml_response(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = text if text.startswith("<?xml") else XML_DECLARATION + text
    return Response(
        body, status=status, content_type="application/xml; charset=utf-8", headers=headers or {}
    )


def empty_response(status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(b"", status=status, headers=headers or {})


def messaging_error(
    status: int,
    type: str,
    description: str,
    field_errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"type": type, "description": description}
    if field_errors:
        body["fieldErrors"] = field_errors
    return json_response(body, status, headers)


def messaging_not_found(path: str) -> Response:
    """Bandwidth answers with Spring Boot's default body; the spec requires ``type`` and
    ``description``, so both shapes are merged."""
    return json_response(
        {
            "type": "not-found",
            "description": f"{path} was not found",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
            "status": 404,
            "error": "Not Found",
            "message": "Not Found",
            "path": path,
        },
        404,
    )


def voice_error(
    status: int, type: str, description: str, headers: dict[str, str] | None = None
) -> Response:
    return json_response({"type": type, "description": description, "id": None}, status, headers)


def numbers_error(
    root_tag: str,
    status: int,
    code: int | str,
    description: str,
    extra_xml: str = "",
    list_wrapper: bool = True,
) -> Response:
    """``<Root><ErrorList><Error><Code/><Description/></Error></ErrorList>extra</Root>``.

    Search errors use a bare ``<Error>`` (``list_wrapper=False``) as Bandwidth does.
    """
    error = f"<Error><Code>{code}</Code><Description>{escape(description)}</Description></Error>"
    if list_wrapper:
        error = f"<ErrorList>{error}</ErrorList>"
    return xml_response(f"<{root_tag}>{error}{extra_xml}</{root_tag}>", status)


def oauth_error(status: int, error: str, description: str) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="oauth2"'} if status == 401 else {}
    headers["Cache-Control"] = "no-store"
    return json_response({"error": error, "error_description": description}, status, headers)


def unauthorized(api: ApiName) -> Response:
    if api == "messaging":
        return messaging_error(401, "unauthorized", "Authentication Failed")
    if api == "voice":
        return voice_error(401, "authentication-error", "The credentials provided were invalid")
    if api == "oauth":
        return oauth_error(401, "invalid_client", "Client authentication failed")
    return empty_response(401)


def forbidden(api: ApiName) -> Response:
    if api == "messaging":
        return messaging_error(403, "forbidden", "Access Denied")
    if api == "voice":
        return voice_error(403, "authorization-error", "Access is denied")
    return empty_response(403)


def not_found(api: ApiName, path: str) -> Response:
    if api == "messaging":
        return messaging_not_found(path)
    if api == "voice":
        return voice_error(404, "validation", "Resource not found")
    if api == "numbers":
        return empty_response(404)
    return json_response({"error": "not found", "path": path}, 404)


def method_not_allowed(api: ApiName, allowed: list[str]) -> Response:
    headers = {"Allow": ", ".join(sorted(allowed))}
    if api == "messaging":
        return messaging_error(405, "method-not-allowed", "Method Not Allowed", headers=headers)
    if api == "voice":
        return voice_error(405, "validation", "Method Not Allowed", headers)
    return empty_response(405, headers)


def rate_limited(api: ApiName, retry_after: int) -> Response:
    headers = {"Retry-After": str(retry_after)}
    if api == "messaging":
        return messaging_error(
            429,
            "max-message-queue-size-exceeded",
            "The queue for your account is full and cannot accept more messages right now.",
            headers=headers,
        )
    if api == "voice":
        return voice_error(429, "error", "Account call creation rate limit exceeded", headers)
    return empty_response(429, headers)


def list_rate_limited(retry_after: int) -> Response:
    """``GET /messages`` has its own per-IP limit and body (bandwidth.yml)."""
    return messaging_error(
        429,
        "rate_limit_exceeded",
        "Rate limit exceeded. Wait for Retry-After time before sending another request.",
        headers={"Retry-After": str(retry_after)},
    )


def server_error(api: ApiName, status: int) -> Response:
    if api == "messaging":
        return messaging_error(status, "internal-server-error", "An internal error occurred")
    if api == "voice":
        kind = "system-overloaded" if status == 503 else "internal-error"
        return voice_error(status, kind, "An unknown internal error occurred")
    if api == "numbers":
        return empty_response(status)
    return json_response({"error": "server error"}, status)


def api_for_path(path: str) -> ApiName:
    """Which API's error shapes apply to a path nothing matched."""
    if path.startswith("/api/v2/users/"):
        return "messaging"
    if path.startswith("/api/v2/accounts/"):
        return "voice"
    if path.startswith(("/api/accounts/", "/api/v1/accounts/")):
        return "numbers"
    if path.startswith("/api/v1/oauth2/"):
        return "oauth"
    if path.startswith("/_sim/"):
        return "sim"
    return "page"


def request_json(request: Request) -> Any:
    """The JSON body, or raises ``ValueError``."""
    return json.loads(request.get_data(as_text=True) or "null")


EmulatorHandler = Callable[["Emulator", Request], Response]
