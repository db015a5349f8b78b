"""Voice v2 calls: create, list, get and update calls, replace their BXML, recording state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.bxml_interpreter import InvalidBxml, Webhook, parse_document
from bandwidth.emulator.http import empty_response, json_response, utc_now_iso, voice_error
from bandwidth.emulator.state import Application
from bandwidth.emulator.voice.api import (
    ACCOUNT_CALLS,
    CALL,
    ApiProblem,
    _handles_problems,
    _json_object,
    _method,
    _number,
    _pair,
    _require_call,
    _store,
    _string,
    _url,
    routes,
)
from bandwidth.emulator.voice.events import _drop_nulls
from bandwidth.emulator.voice.model import E164, SIP_URI, Call, new_call_id
from bandwidth.emulator.voice.runner import CallRunner
from bandwidth.emulator.voice.store import VoiceStore

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

URL_FIELDS = ("answerUrl", "answerFallbackUrl", "disconnectUrl")
METHOD_FIELDS = ("answerMethod", "answerFallbackMethod", "disconnectMethod")
CREDENTIAL_FIELDS = ("username", "password", "fallbackUsername", "fallbackPassword")
REDIRECT_URL_FIELDS = ("redirectUrl", "redirectFallbackUrl")


def _validated_create(emu: Emulator, body: dict[str, Any]) -> tuple[dict[str, Any], Application]:
    for name in ("from", "to", "applicationId", "answerUrl"):
        if body.get(name) in (None, ""):
            raise ApiProblem(400, f"Invalid {name}: must not be null or empty")
    to = _string(body, "to") or ""
    if not (E164.match(to) or SIP_URI.match(to)):
        raise ApiProblem(400, "Invalid to: must be an E164 telephone number or a SIP URI")
    from_ = _string(body, "from") or ""
    if not E164.match(from_):
        raise ApiProblem(400, "Invalid from: must be an E164 telephone number")
    if emu.state.number_in_service(from_) is None:
        raise ApiProblem(400, f"Invalid from: {from_} is not a telephone number on your account")
    application_id = _string(body, "applicationId") or ""
    with emu.state.lock:
        app = emu.state.applications.get(application_id)
    if app is None or app.service_type != "Voice-V2":
        raise ApiProblem(400, f"Invalid applicationId: {application_id} is not a voice application")
    for name in URL_FIELDS:
        _url(body, name)
    for name in CREDENTIAL_FIELDS:
        _string(body, name, 1024)
    _string(body, "displayName", 256)
    _string(body, "tag", 4096)
    clean = dict(body)
    for name in METHOD_FIELDS:
        clean[name] = _method(body, name)
    clean["callTimeout"] = _number(body, "callTimeout", 1, 300, 30)
    clean["callbackTimeout"] = _number(body, "callbackTimeout", 1, 25, 15)
    priority = body.get("priority", 5)
    if priority is not None and (
        isinstance(priority, bool) or not isinstance(priority, int) or not 1 <= priority <= 5
    ):
        raise ApiProblem(400, "Invalid priority: must be an integer between 1 and 5")
    clean["priority"] = 5 if priority is None else priority
    return clean, app


def _create_call_response(emu: Emulator, call: Call) -> dict[str, Any]:
    body = call.create_request
    masked = {"password": "*****"} if body.get("password") else {}
    if body.get("fallbackPassword"):
        masked["fallbackPassword"] = "*****"
    return (
        _drop_nulls(
            {
                "applicationId": call.application_id,
                "accountId": emu.config.account_id,
                "callId": call.id,
                "to": call.to,
                "from": call.from_,
                "enqueuedTime": call.enqueued_time,
                "callUrl": _store(emu).call_url(call.id),
                "callTimeout": body["callTimeout"],
                "callbackTimeout": body["callbackTimeout"],
                "tag": body.get("tag"),
                "answerMethod": body["answerMethod"],
                "answerUrl": body["answerUrl"],
                "answerFallbackMethod": body["answerFallbackMethod"],
                "answerFallbackUrl": body.get("answerFallbackUrl"),
                "disconnectMethod": body["disconnectMethod"],
                "disconnectUrl": body.get("disconnectUrl"),
                "username": body.get("username"),
                "fallbackUsername": body.get("fallbackUsername"),
                "priority": body["priority"],
            }
        )
        | masked
    )


@routes.route(ACCOUNT_CALLS, methods=["POST"])
@_handles_problems
def create_call(emu: Emulator, request: Request, accountId: str) -> Response:
    store = _store(emu)
    body, app = _validated_create(emu, _json_object(request))
    limit = store.admit()
    if limit is not None:
        return voice_error(429, "error", limit, {"Retry-After": "1"})
    credentials = _pair(body, "username", "password") or app.callback_credentials
    call = Call(
        id=new_call_id(),
        direction="outbound",
        from_=body["from"],
        to=body["to"],
        application_id=app.id,
        state="queued",
        enqueued_time=utc_now_iso(),
        tag=body.get("tag") or None,
        callback_timeout=body["callbackTimeout"],
        credentials=credentials,
        first_hook=Webhook(
            url=body["answerUrl"],
            method=body["answerMethod"],
            credentials=credentials,
            fallback_url=body.get("answerFallbackUrl"),
            fallback_method=body["answerFallbackMethod"],
            fallback_credentials=_pair(body, "fallbackUsername", "fallbackPassword") or credentials,
        ),
        disconnect_hook=Webhook(body["disconnectUrl"], body["disconnectMethod"], credentials)
        if body.get("disconnectUrl")
        else None,
        create_request=body,
    )
    store.add_call(call)
    store.note(call, "created", f"{call.from_} -> {call.to}")
    store.start(call, CallRunner(store, call).run_outbound)
    response = _create_call_response(emu, call)
    return json_response(response, 201, {"Location": response["callUrl"]})


def call_state(emu: Emulator, call: Call) -> dict[str, Any]:
    with _store(emu).lock:
        return _drop_nulls(
            {
                "applicationId": call.application_id,
                "accountId": emu.config.account_id,
                "callId": call.id,
                "parentCallId": call.parent_call_id,
                "to": call.to,
                "from": call.from_,
                "direction": call.direction,
                "state": call.state,
                "enqueuedTime": call.enqueued_time,
                "startTime": call.start_time,
                "answerTime": call.answer_time,
                "endTime": call.end_time,
                "disconnectCause": call.disconnect_cause,
                "errorMessage": call.error_message,
                "errorId": call.error_id,
                "lastUpdate": call.last_update,
            }
        )


@routes.route(ACCOUNT_CALLS, methods=["GET"])
@_handles_problems
def list_calls(emu: Emulator, request: Request, accountId: str) -> Response:
    args = request.args
    page_size = args.get("pageSize", "1000")
    if not page_size.isdigit() or not 1 <= int(page_size) <= 10000:
        raise ApiProblem(400, "Invalid pageSize: must be between 1 and 10000")
    with _store(emu).lock:
        calls = list(_store(emu).calls.values())
    selected = [
        call_state(emu, call)
        for call in calls
        if args.get("to") in (None, call.to)
        and args.get("from") in (None, call.from_)
        and args.get("disconnectCause") in (None, call.disconnect_cause)
        and (args.get("minStartTime") or "") <= (call.start_time or call.enqueued_time or "")
        and (call.start_time or "") <= (args.get("maxStartTime") or "9999")
    ]
    return json_response(selected[: int(page_size)])


@routes.route(CALL, methods=["GET"])
@_handles_problems
def get_call(emu: Emulator, request: Request, accountId: str, callId: str) -> Response:
    return json_response(call_state(emu, _require_call(emu, callId)))


@routes.route(CALL, methods=["POST"])
@_handles_problems
def update_call(emu: Emulator, request: Request, accountId: str, callId: str) -> Response:
    call = _require_call(emu, callId)
    body = _json_object(request)
    state = body.get("state") or "active"
    if state not in ("active", "completed"):
        raise ApiProblem(400, "Invalid state: must be active or completed")
    for name in REDIRECT_URL_FIELDS:
        _url(body, name)
    _string(body, "tag", 4096)
    store = _store(emu)
    if state == "completed":
        if body.get("redirectUrl"):
            raise ApiProblem(400, "Invalid redirectUrl: not allowed when state is completed")
        return _complete(store, call)
    if not body.get("redirectUrl"):
        raise ApiProblem(400, "Invalid redirectUrl: required when state is active")
    credentials = _pair(body, "username", "password") or call.credentials
    hook = Webhook(
        url=body["redirectUrl"],
        method=_method(body, "redirectMethod"),
        credentials=credentials,
        fallback_url=body.get("redirectFallbackUrl"),
        fallback_method=_method(body, "redirectFallbackMethod"),
        fallback_credentials=_pair(body, "fallbackUsername", "fallbackPassword") or credentials,
    )
    with store.lock:
        _require_modifiable(call)
        if "tag" in body:
            call.tag = body["tag"] or None
        call.control = hook
        store.touch(call)
    return empty_response(200)


def _require_modifiable(call: Call) -> None:
    if call.ended or not call.answered:
        raise ApiProblem(409, f"Call [{call.id}] cannot be modified in its current state")


def _complete(store: VoiceStore, call: Call) -> Response:
    with store.lock:
        if call.ended:
            raise ApiProblem(409, f"Call [{call.id}] cannot be modified in its current state")
        if call.answered:
            cause = "hangup"
        else:
            cause = "cancel" if call.direction == "outbound" else "rejected"
    store.note(call, "api", "updateCall state=completed")
    store.end_call(call, cause)
    return empty_response(200)


@routes.route(CALL + "/bxml", methods=["PUT"])
@_handles_problems
def replace_bxml(emu: Emulator, request: Request, accountId: str, callId: str) -> Response:
    call = _require_call(emu, callId)
    if request.mimetype not in ("application/xml", "text/xml"):
        content_type = request.headers.get("Content-Type", "")
        raise ApiProblem(415, f"Content type '{content_type}' not supported")
    store = _store(emu)
    base_url = call.first_hook.url if call.first_hook else store.call_url(call.id)
    try:
        document = parse_document(request.get_data(), base_url, root="Bxml")
    except InvalidBxml as exc:
        raise ApiProblem(400, f"Invalid BXML: {exc}") from None
    with store.lock:
        _require_modifiable(call)
        call.control = document
        store.touch(call)
    return empty_response(204)


@routes.route(CALL + "/recording", methods=["PUT"])
@_handles_problems
def update_recording_state(
    emu: Emulator, request: Request, accountId: str, callId: str
) -> Response:
    call = _require_call(emu, callId)
    state = _json_object(request).get("state")
    if state not in ("paused", "recording"):
        raise ApiProblem(400, "Invalid state: must be paused or recording")
    store = _store(emu)
    with store.lock:
        if call.ended or call.active_recording is None:
            raise ApiProblem(400, f"Call [{callId}] is not being recorded")
    store.note(call, "api", f"recording {state}")
    return empty_response(200)
