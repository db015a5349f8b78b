"""``/_sim/calls``: the far end of a call (see the package docstring)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.bxml_interpreter import Webhook
from bandwidth.emulator.http import Routes, json_response, request_json, utc_now_iso
from bandwidth.emulator.voice.api import _store
from bandwidth.emulator.voice.model import (
    DEFAULT_SPEECH_SECONDS,
    E164,
    FAR_END_ACTIONS,
    SIP_URI,
    Call,
    Speech,
    new_call_id,
)
from bandwidth.emulator.voice.runner import CallRunner
from bandwidth.emulator.voice.store import VoiceStore

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

sim_routes = Routes(api="sim")


def _sim_error(status: int, message: str) -> Response:
    return json_response({"error": message}, status)


def _sim_body(request: Request) -> dict[str, Any] | None:
    try:
        body = request_json(request)
    except ValueError:
        return None
    if body is None:
        return {}
    return body if isinstance(body, dict) else None


def start_inbound_call(emu: Emulator, from_: str, to: str) -> Call:
    """A caller dials ``to`` (a number in service): ``initiate`` goes to its voice application.

    Raises ``LookupError`` (number not in service) or ``ValueError`` (no voice application).
    """
    if emu.state.number_in_service(to) is None:
        raise LookupError(f"{to} is not in service on the account")
    app = emu.state.voice_application_for_number(to)
    if app is None or not app.call_initiated_url:
        raise ValueError(f"{to} has no voice application with a CallInitiatedCallbackUrl")
    urls = app.urls
    fallback = urls.get("CallInitiatedFallbackUrl")
    store = _store(emu)
    now = utc_now_iso()
    call = Call(
        id=new_call_id(),
        direction="inbound",
        from_=from_,
        to=to,
        application_id=app.id,
        state="initiated",
        enqueued_time=None,
        start_time=now,
        callback_timeout=app.callback_timeout or 15.0,
        credentials=app.callback_credentials,
        first_hook=Webhook(
            url=app.call_initiated_url,
            method=(urls.get("CallInitiatedMethod") or "POST").upper(),
            credentials=app.callback_credentials,
            fallback_url=fallback,
            fallback_method=(urls.get("CallInitiatedFallbackMethod") or "POST").upper(),
            fallback_credentials=app.fallback_credentials or app.callback_credentials,
        ),
        disconnect_hook=Webhook(
            app.call_status_url,
            (urls.get("CallStatusMethod") or "POST").upper(),
            app.callback_credentials,
        )
        if app.call_status_url
        else None,
    )
    store.add_call(call)
    store.note(call, "incoming", f"{from_} -> {to}")
    store.start(call, CallRunner(store, call).run_inbound)
    return call


@sim_routes.route("/_sim/calls", methods=["POST"], auth=False)
def sim_inbound_call(emu: Emulator, request: Request) -> Response:
    body = _sim_body(request)
    if body is None:
        return _sim_error(400, "body must be a JSON object")
    from_, to = body.get("from"), body.get("to")
    if not isinstance(from_, str) or not (E164.match(from_) or SIP_URI.match(from_)):
        return _sim_error(400, "from must be an E.164 number or a SIP URI")
    if not isinstance(to, str) or not E164.match(to):
        return _sim_error(400, "to must be an E.164 number")
    try:
        call = start_inbound_call(emu, from_, to)
    except LookupError as exc:
        return _sim_error(404, str(exc))
    except ValueError as exc:
        return _sim_error(409, str(exc))
    _queue_input(_store(emu), call, body)
    return json_response({"callId": call.id, "callUrl": _store(emu).call_url(call.id)}, 201)


def _queue_input(store: VoiceStore, call: Call, body: dict[str, Any]) -> None:
    with store.lock:
        call.digits.extend(str(body.get("digits") or ""))
        if body.get("speech"):
            call.speech.append(Speech(str(body["speech"]), DEFAULT_SPEECH_SECONDS))
        store.changed.notify_all()


@sim_routes.route("/_sim/calls", methods=["GET"], auth=False)
def sim_list_calls(emu: Emulator, request: Request) -> Response:
    return json_response(_store(emu).calls_for_display())


@sim_routes.route("/_sim/calls/<callId>", methods=["GET"], auth=False)
def sim_get_call(emu: Emulator, request: Request, callId: str) -> Response:
    call = _store(emu).call(callId)
    if call is None:
        return _sim_error(404, f"no call {callId}")
    return json_response(_store(emu).sim_view(call))


def _sim_call_and_body(
    emu: Emulator, request: Request, call_id: str
) -> tuple[Call, dict[str, Any]] | Response:
    call = _store(emu).call(call_id)
    if call is None:
        return _sim_error(404, f"no call {call_id}")
    body = _sim_body(request)
    if body is None:
        return _sim_error(400, "body must be a JSON object")
    if call.ended:
        return _sim_error(409, f"call {call_id} has ended")
    return call, body


@sim_routes.route("/_sim/calls/<callId>/digits", methods=["POST"], auth=False)
def sim_digits(emu: Emulator, request: Request, callId: str) -> Response:
    found = _sim_call_and_body(emu, request, callId)
    if isinstance(found, Response):
        return found
    call, body = found
    digits = body.get("digits")
    if not isinstance(digits, str) or not digits or not set(digits) <= set("0123456789*#"):
        return _sim_error(400, "digits must be a non-empty string of 0-9, * and #")
    _queue_input(_store(emu), call, {"digits": digits})
    _store(emu).note(call, "caller", f"pressed {digits}")
    return json_response({"callId": callId, "queued": digits}, 202)


@sim_routes.route("/_sim/calls/<callId>/transfer", methods=["POST"], auth=False)
def sim_transfer(emu: Emulator, request: Request, callId: str) -> Response:
    found = _sim_call_and_body(emu, request, callId)
    if isinstance(found, Response):
        return found
    call, body = found
    action = body.get("action")
    if action not in FAR_END_ACTIONS:
        return _sim_error(400, f"action must be one of {', '.join(FAR_END_ACTIONS)}")
    number = body.get("to")
    if number is not None and not isinstance(number, str):
        return _sim_error(400, "to must be a string")
    store = _store(emu)
    with store.lock:
        call.far_end_actions.append((action, number))
        store.changed.notify_all()
    store.note(call, "transfer-callee", f"{action} {number or ''}".strip())
    return json_response({"callId": callId, "action": action}, 202)


@sim_routes.route("/_sim/calls/<callId>/speech", methods=["POST"], auth=False)
def sim_speech(emu: Emulator, request: Request, callId: str) -> Response:
    found = _sim_call_and_body(emu, request, callId)
    if isinstance(found, Response):
        return found
    call, body = found
    text = body.get("text")
    duration = body.get("duration", DEFAULT_SPEECH_SECONDS)
    if not isinstance(text, str) or not text.strip():
        return _sim_error(400, "text must be a non-empty string")
    if isinstance(duration, bool) or not isinstance(duration, int | float) or duration <= 0:
        return _sim_error(400, "duration must be a positive number of seconds")
    store = _store(emu)
    with store.lock:
        call.speech.append(Speech(text, float(duration)))
        store.changed.notify_all()
    store.note(call, "caller", f"will say {text!r}")
    return json_response({"callId": callId, "text": text}, 202)


@sim_routes.route("/_sim/calls/<callId>/hangup", methods=["POST"], auth=False)
def sim_hangup(emu: Emulator, request: Request, callId: str) -> Response:
    found = _sim_call_and_body(emu, request, callId)
    if isinstance(found, Response):
        return found
    call, _ = found
    store = _store(emu)
    with store.lock:
        parent = store.calls.get(call.parent_call_id or "")
        if parent is not None and not call.answered:
            parent.far_end_actions.append(("reject", call.to))
        else:
            call.far_end_hung_up = True
        if call.answered:
            cause = "hangup"
        else:
            cause = "rejected" if call.direction == "outbound" else "cancel"
        store.changed.notify_all()
    store.note(call, "far-end", "hung up")
    if call.parent_call_id is None:
        store.end_call(call, cause)
    return json_response({"callId": callId, "cause": cause}, 202)
