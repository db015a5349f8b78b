"""What the Voice v2 API handlers share: routes, request checks and error responses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import Routes, request_json, voice_error
from bandwidth.emulator.voice.model import Call
from bandwidth.emulator.voice.store import VoiceStore

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

routes = Routes(api="voice")

ACCOUNT_CALLS = "/api/v2/accounts/<accountId>/calls"
CALL = ACCOUNT_CALLS + "/<callId>"
RECORDING = CALL + "/recordings/<recordingId>"


class ApiProblem(Exception):
    def __init__(self, status: int, description: str, kind: str = "validation") -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.kind = kind

    def response(self) -> Response:
        return voice_error(self.status, self.kind, self.description)


def _store(emu: Emulator) -> VoiceStore:
    store: VoiceStore = emu.voice
    return store


def _json_object(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("Content-Type", "")
    if request.mimetype != "application/json":
        raise ApiProblem(415, f"Content type '{content_type}' not supported")
    try:
        body = request_json(request)
    except ValueError:
        raise ApiProblem(400, "Unable to parse the request body as JSON") from None
    if not isinstance(body, dict):
        raise ApiProblem(400, "The request body must be a JSON object")
    return body


def _require_call(emu: Emulator, call_id: str) -> Call:
    call = _store(emu).call(call_id)
    if call is None:
        raise ApiProblem(404, f"Call [{call_id}] not found")
    return call


def _string(body: dict[str, Any], name: str, max_length: int | None = None) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiProblem(400, f"Invalid {name}: must be a string")
    if max_length is not None and len(value) > max_length:
        raise ApiProblem(400, f"Invalid {name}: must be at most {max_length} characters")
    return value


def _url(body: dict[str, Any], name: str) -> str | None:
    value = _string(body, name, 2048)
    if value is not None and not value.lower().startswith(("http://", "https://")):
        raise ApiProblem(400, f"Invalid {name}: only http and https are allowed.")
    return value


def _method(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        return "POST"
    if not isinstance(value, str) or value.upper() not in ("GET", "POST"):
        raise ApiProblem(400, f"Invalid {name}: must be GET or POST")
    return value.upper()


def _number(body: dict[str, Any], name: str, low: float, high: float, default: float) -> float:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ApiProblem(400, f"Invalid {name}: must be a number between {low:g} and {high:g}")
    return float(value)


def _pair(body: dict[str, Any], user: str, password: str) -> tuple[str, str] | None:
    return (body[user], body.get(password) or "") if body.get(user) else None


def _handles_problems(handler: Any) -> Any:
    def wrapped(emu: Emulator, request: Request, **params: Any) -> Response:
        try:
            response: Response = handler(emu, request, **params)
        except ApiProblem as problem:
            return problem.response()
        return response

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped
