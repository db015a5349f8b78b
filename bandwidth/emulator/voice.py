"""Voice v2 of the emulator: calls, their BXML, recordings and transcriptions, plus the
``/_sim/calls`` endpoints that play the far end of a call.

Simulation endpoints (no auth; JSON in, JSON out):

- ``POST /_sim/calls {"from", "to"[, "digits", "speech"]}`` -> 201 ``{"callId", "callUrl"}``: an
  inbound call to ``to`` (404 when not in service, 409 without a voice application); ``initiate``
  goes to the location's Voice-V2 application.
- ``POST /_sim/calls/{id}/digits {"digits": "2#"}``: the caller presses keys (queued until read).
- ``POST /_sim/calls/{id}/transfer {"action": "answer"|"busy"|"no-answer"|"reject"[, "to"]}``:
  how the next ringing ``<Transfer>`` target (or the one dialled ``to``) responds.
- ``POST /_sim/calls/{id}/speech {"text"[, "duration"]}``: what the caller says into the next
  ``<Record>`` (and its transcript); default a fixed sentence lasting 3 simulated seconds.
- ``POST /_sim/calls/{id}/hangup``: the far end hangs up (a ringing transfer leg rejects).
- ``GET /_sim/calls`` and ``GET /_sim/calls/{id}``: calls with their event trail (and recordings).

Simulated far ends (outbound callees, Transfer and Forward legs) answer after
``far_end_answer_delay`` / ``transfer_answer_delay`` unless the dialled number is reserved:

- ``...0486`` is busy (cause ``busy``, SIP 486),
- ``...0487`` never answers (cause ``timeout`` after ``callTimeout``),
- ``...0488`` rejects the call (cause ``rejected``, SIP 603).

A far end left waiting on silence (``<Pause>``/``<Ring>`` longer than ``far_end_hangup_after``)
or connected in a bridge/forward hangs up after ``far_end_hangup_after`` simulated seconds, so
every call ends. Verb webhooks without ``username``/``password`` use the call's credentials
(create-call ``username``/``password``, else the application's CallbackCreds).
"""

from __future__ import annotations

import array
import io
import logging
import math
import re
import secrets
import threading
import time
import uuid
import wave
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.bxml_interpreter import (
    BxmlInterpreter,
    CallbackFailed,
    CallEnded,
    ControlReplaced,
    Document,
    InvalidBxml,
    RecordingFacts,
    RecordingRequest,
    RecordRequest,
    TransferOutcome,
    TransferRequest,
    TransferTarget,
    Webhook,
    parse_document,
    recording_fields,
)
from bandwidth.emulator.http import (
    Routes,
    empty_response,
    json_response,
    request_json,
    utc_now_iso,
    voice_error,
)
from bandwidth.emulator.state import Application

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

logger = logging.getLogger(__name__)

routes = Routes(api="voice")
sim_routes = Routes(api="sim")

ACCOUNT_CALLS = "/api/v2/accounts/<accountId>/calls"
CALL = ACCOUNT_CALLS + "/<callId>"
RECORDING = CALL + "/recordings/<recordingId>"

BUSY_SUFFIX = "0486"
NO_ANSWER_SUFFIX = "0487"
REJECT_SUFFIX = "0488"
FarEndAction = Literal["answer", "busy", "no-answer", "reject"]
FAR_END_ACTIONS: tuple[FarEndAction, ...] = ("answer", "busy", "no-answer", "reject")
QUICK_REFUSAL_SECONDS = 0.5
RECORDING_PROCESSING_SECONDS = 0.5
TRANSCRIPTION_PROCESSING_SECONDS = 1.0
DEFAULT_SPEECH_SECONDS = 3.0
DEFAULT_SPEECH = "Hello, this is a test message left with the Parley emulator. Please call me back."
TRANSCRIPT_CONFIDENCE = 0.9
WAV_SAMPLE_RATE = 8000
WAV_MAX_SECONDS = 30.0
ERROR_CAUSES = ("callback-error", "invalid-bxml", "application-error", "error")
SIP_RESPONSE_CODES = {"busy": 486, "rejected": 603}
CAUSE_MESSAGES = {
    "busy": "Callee is busy",
    "rejected": "Call was rejected by the callee",
    "timeout": "Call was not answered before the call timeout",
}

E164 = re.compile(r"^\+[1-9]\d{1,14}$")
SIP_URI = re.compile(r"^sips?:[^@\s]+@[^@\s]+$")
URL_FIELDS = ("answerUrl", "answerFallbackUrl", "disconnectUrl")
METHOD_FIELDS = ("answerMethod", "answerFallbackMethod", "disconnectMethod")
CREDENTIAL_FIELDS = ("username", "password", "fallbackUsername", "fallbackPassword")
REDIRECT_URL_FIELDS = ("redirectUrl", "redirectFallbackUrl")

COMMON_FIELDS = (
    "eventType",
    "eventTime",
    "accountId",
    "applicationId",
    "from",
    "to",
    "direction",
    "callId",
    "callUrl",
)
TIMES = ("enqueuedTime", "startTime", "answerTime")
TRANSFER_FIELDS = ("transferCallerId", "transferTo")
RECORDING_FIELDS = ("recordingId", "mediaUrl", "endTime", "duration", "fileFormat")
# Each event's properties in bandwidth.yml; payloads carry these and nothing else.
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "initiate": (*COMMON_FIELDS, "startTime", "diversion", "stirShaken", "uui", "sipCallId"),
    "answer": (*COMMON_FIELDS, *TIMES, "tag", "machineDetectionResult", "sipCallId"),
    "disconnect": (
        *COMMON_FIELDS,
        *TIMES,
        "endTime",
        "cause",
        "errorMessage",
        "errorId",
        "tag",
        "sipCallId",
        "sipResponseCode",
    ),
    "gather": (
        *COMMON_FIELDS,
        *TIMES,
        "digits",
        "terminatingDigit",
        "parentCallId",
        *TRANSFER_FIELDS,
        "tag",
    ),
    "redirect": (*COMMON_FIELDS, *TIMES, "parentCallId", *TRANSFER_FIELDS, "tag"),
    "recordComplete": (
        *COMMON_FIELDS,
        *TIMES,
        "parentCallId",
        *RECORDING_FIELDS,
        "channels",
        *TRANSFER_FIELDS,
        "tag",
    ),
    "recordingAvailable": (
        *COMMON_FIELDS,
        "enqueuedTime",
        "startTime",
        "parentCallId",
        *RECORDING_FIELDS,
        "channels",
        "status",
        *TRANSFER_FIELDS,
        "tag",
    ),
    "transcriptionAvailable": (
        *COMMON_FIELDS,
        "enqueuedTime",
        "startTime",
        "parentCallId",
        *RECORDING_FIELDS,
        "transcription",
        *TRANSFER_FIELDS,
        "tag",
    ),
    "transferAnswer": (*COMMON_FIELDS, *TIMES, "tag", *TRANSFER_FIELDS),
    "transferComplete": (
        *COMMON_FIELDS,
        *TIMES,
        "tag",
        *TRANSFER_FIELDS,
        "cause",
        "errorMessage",
        "errorId",
    ),
    "transferDisconnect": (
        *COMMON_FIELDS,
        *TIMES,
        "parentCallId",
        "endTime",
        "tag",
        *TRANSFER_FIELDS,
        "cause",
        "errorMessage",
        "errorId",
    ),
}


class ApiProblem(Exception):
    def __init__(self, status: int, description: str, kind: str = "validation") -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.kind = kind

    def response(self) -> Response:
        return voice_error(self.status, self.kind, self.description)


# --- model -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallEvent:
    time: str
    kind: str
    detail: str


@dataclass(frozen=True)
class Speech:
    text: str
    duration: float


@dataclass
class Transcription:
    id: str
    status: str
    text: str
    completed_time: str | None = None


@dataclass
class Recording:
    id: str
    call_id: str
    facts: RecordingFacts
    has_media: bool = True
    transcription: Transcription | None = None


@dataclass
class Call:
    id: str
    direction: Literal["inbound", "outbound"]
    from_: str
    to: str
    application_id: str
    state: str
    enqueued_time: str | None
    start_time: str | None = None
    answer_time: str | None = None
    end_time: str | None = None
    last_update: str = field(default_factory=utc_now_iso)
    disconnect_cause: str | None = None
    error_message: str | None = None
    error_id: str | None = None
    tag: str | None = None
    parent_call_id: str | None = None
    transfer_caller_id: str | None = None
    transfer_to: str | None = None
    callback_timeout: float = 15.0
    credentials: tuple[str, str] | None = None
    first_hook: Webhook | None = None
    disconnect_hook: Webhook | None = None
    create_request: dict[str, Any] = field(default_factory=dict)
    events: list[CallEvent] = field(default_factory=list)
    digits: deque[str] = field(default_factory=deque)
    far_end_actions: deque[tuple[FarEndAction, str | None]] = field(default_factory=deque)
    speech: deque[Speech] = field(default_factory=deque)
    control: Document | Webhook | None = None
    far_end_hung_up: bool = False
    active_recording: tuple[float, str, RecordingRequest] | None = None

    @property
    def ended(self) -> bool:
        return self.state == "disconnected"

    @property
    def answered(self) -> bool:
        return self.answer_time is not None


def new_call_id() -> str:
    return f"c-{secrets.token_hex(4)}-{uuid.uuid4()}"


def reserved_behaviour(number: str) -> FarEndAction:
    """What a simulated far end does when ``number`` is dialled."""
    if number.endswith(BUSY_SUFFIX):
        return "busy"
    if number.endswith(NO_ANSWER_SUFFIX):
        return "no-answer"
    if number.endswith(REJECT_SUFFIX):
        return "reject"
    return "answer"


def iso_duration(seconds: float) -> str:
    return "PT" + f"{seconds:.3f}".rstrip("0").rstrip(".") + "S"


def wav_bytes(seconds: float) -> bytes:
    """A short mono 8 kHz 16-bit WAV: a quiet 440 Hz tone as long as the recording."""
    frames = int(WAV_SAMPLE_RATE * min(max(seconds, 0.1), WAV_MAX_SECONDS))
    samples = array.array(
        "h", (int(3000 * math.sin(2 * math.pi * 440 * n / WAV_SAMPLE_RATE)) for n in range(frames))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(WAV_SAMPLE_RATE)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def _drop_nulls(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if value is not None}


def shape_event(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Keep exactly the properties bandwidth.yml gives this event (absent rather than null)."""
    allowed = EVENT_FIELDS.get(event_type)
    body = _drop_nulls(payload)
    if allowed is None:
        return body
    return {key: value for key, value in body.items() if key in allowed}


# --- the store -------------------------------------------------------------------------------


class VoiceStore:
    """Every call of one emulator; each live call is driven by its own thread."""

    def __init__(self, emu: Emulator) -> None:
        previous = getattr(emu, "voice", None)
        if isinstance(previous, VoiceStore):
            previous.close()
        self.emu = emu
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.calls: dict[str, Call] = {}
        self.recordings: dict[str, Recording] = {}
        self._creations: deque[float] = deque()

    # --- lookups

    def call(self, call_id: str) -> Call | None:
        with self.lock:
            return self.calls.get(call_id)

    def call_url(self, call_id: str) -> str:
        return f"{self.emu.voice_base()}/calls/{call_id}"

    def calls_for_display(self) -> list[dict[str, Any]]:
        with self.lock:
            return [self._display(call) for call in self.calls.values()]

    def _display(self, call: Call) -> dict[str, Any]:
        return {
            "call_id": call.id,
            "direction": call.direction,
            "from": call.from_,
            "to": call.to,
            "state": call.state,
            "tag": call.tag,
            "parent_call_id": call.parent_call_id,
            "disconnect_cause": call.disconnect_cause,
            "events": [{"time": e.time, "kind": e.kind, "detail": e.detail} for e in call.events],
        }

    def sim_view(self, call: Call) -> dict[str, Any]:
        with self.lock:
            view = self._display(call)
            view["recordings"] = [
                self.recording_metadata(r) for r in self.recordings.values() if r.call_id == call.id
            ]
            view["pending_digits"] = "".join(call.digits)
            return view

    # --- changes

    def note(self, call: Call, kind: str, detail: str) -> None:
        with self.lock:
            call.events.append(CallEvent(utc_now_iso(), kind, detail))
            self.changed.notify_all()

    def touch(self, call: Call) -> None:
        call.last_update = utc_now_iso()
        self.changed.notify_all()

    def add_call(self, call: Call) -> None:
        with self.lock:
            self.calls[call.id] = call

    def start(self, call: Call, target: Callable[[], None]) -> None:
        threading.Thread(target=target, name=f"call-{call.id[:11]}", daemon=True).start()

    def admit(self) -> str | None:
        """Count one call creation, or say which account limit it would exceed."""
        config = self.emu.config
        now = time.monotonic()
        with self.lock:
            while self._creations and now - self._creations[0] >= 1.0:
                self._creations.popleft()
            live = sum(1 for call in self.calls.values() if not call.ended)
            if live >= config.max_concurrent_calls:
                return "Account concurrent call limit exceeded"
            if len(self._creations) >= config.calls_per_second:
                return "Account call creation rate limit exceeded"
            self._creations.append(now)
        return None

    def end_call(
        self,
        call: Call,
        cause: str,
        error_message: str | None = None,
        *,
        notify: bool = True,
    ) -> bool:
        """Disconnect ``call`` once; sends its disconnect (or transferDisconnect) webhook."""
        with self.lock:
            if call.ended:
                return False
            call.state = "disconnected"
            call.end_time = utc_now_iso()
            call.disconnect_cause = cause
            if cause in ERROR_CAUSES or error_message:
                call.error_message = error_message or CAUSE_MESSAGES.get(cause)
            if cause in ERROR_CAUSES:
                call.error_id = str(uuid.uuid4())
            call.events.append(CallEvent(call.end_time, "disconnect", cause))
            self.touch(call)
            recording = call.active_recording
            call.active_recording = None
        if recording is not None:
            self.finish_recording(call, recording)
        if notify and call.disconnect_hook is not None:
            event_type = "transferDisconnect" if call.parent_call_id else "disconnect"
            payload = self.event(call, event_type) | {
                "endTime": call.end_time,
                "cause": cause,
                "errorMessage": call.error_message,
                "errorId": call.error_id,
                "sipResponseCode": SIP_RESPONSE_CODES.get(cause),
            }
            self.send_async(call, call.disconnect_hook, payload)
        return True

    def close(self) -> None:
        """Stop every live call without webhooks (emulator reset or shutdown)."""
        with self.lock:
            for call in self.calls.values():
                if not call.ended:
                    call.state = "disconnected"
                    call.disconnect_cause = "unknown"
            self.changed.notify_all()

    # --- webhooks

    def event(self, call: Call, event_type: str) -> dict[str, Any]:
        with self.lock:
            payload: dict[str, Any] = {
                "eventType": event_type,
                "eventTime": utc_now_iso(),
                "accountId": self.emu.config.account_id,
                "applicationId": call.application_id,
                "from": call.from_,
                "to": call.to,
                "direction": call.direction,
                "callId": call.id,
                "callUrl": self.call_url(call.id),
                "enqueuedTime": call.enqueued_time,
                "startTime": call.start_time,
                "answerTime": call.answer_time,
                "tag": call.tag,
                "parentCallId": call.parent_call_id,
                "transferCallerId": call.transfer_caller_id,
                "transferTo": call.transfer_to,
            }
        return payload

    def fetch_bxml(self, call: Call, hook: Webhook, payload: dict[str, Any]) -> tuple[str, str]:
        """A synchronous webhook: the BXML text and the URL that served it."""
        body = shape_event(payload["eventType"], payload)
        attempts = [(hook.url, hook.method, hook.credentials)]
        if hook.fallback_url:
            attempts.append((hook.fallback_url, hook.fallback_method, hook.fallback_credentials))
        problem = ""
        for url, method, credentials in attempts:
            result = self._request(call, url, method, credentials, body)
            if result.ok:
                return result.body.decode("utf-8", errors="replace"), url
            problem = f"{body['eventType']} to {url} failed: {result.error or result.status}"
        raise CallbackFailed(problem)

    def send_async(
        self, call: Call, hook: Webhook, payload: dict[str, Any], delay: float = 0.0
    ) -> None:
        """An asynchronous webhook (reply ignored), delivered in order on the scheduler.

        Honours the "next callback delivered twice" fault, as receivers must dedupe.
        """
        body = shape_event(payload["eventType"], payload)
        copies = self.emu.faults.take_callback_copies()

        def deliver() -> None:
            body["eventTime"] = utc_now_iso()
            for _ in range(copies):
                self._request(call, hook.url, hook.method, hook.credentials, body)

        self.emu.scheduler.call_later(delay, deliver)

    def _request(
        self,
        call: Call,
        url: str,
        method: str,
        credentials: tuple[str, str] | None,
        body: dict[str, Any],
    ) -> Any:
        """One delivery; retried once on a connection error, as Bandwidth does."""
        result = None
        for attempt in (1, 2):
            result = self.emu.callbacks.request(
                url,
                method=method,
                json_body=body,
                credentials=credentials,
                timeout=call.callback_timeout,
                kind=f"voice {body['eventType']}",
                attempt=attempt,
            )
            if result.status is not None:
                break
        assert result is not None
        outcome = str(result.status) if result.status is not None else (result.error or "error")
        self.note(call, "webhook", f"{body['eventType']} {method} {url} -> {outcome}")
        return result

    # --- recordings

    def new_recording(
        self, call: Call, started: float, ended: float, file_format: str
    ) -> Recording:
        recording_id = f"r-{uuid.uuid4()}"
        seconds = max(0.0, ended - started) / self.scale()
        facts = RecordingFacts(
            recording_id=recording_id,
            media_url=f"{self.call_url(call.id)}/recordings/{recording_id}/media",
            start_time=_iso_at(started),
            end_time=_iso_at(ended),
            duration=iso_duration(seconds),
            file_format=file_format,
            channels=1,
        )
        recording = Recording(recording_id, call.id, facts)
        with self.lock:
            self.recordings[recording_id] = recording
        return recording

    def finish_recording(self, call: Call, active: tuple[float, str, RecordingRequest]) -> None:
        started, _, request = active
        recording = self.new_recording(call, started, time.time(), request.file_format)
        self.note(call, "StopRecording", recording.id)
        self.publish(call, recording, request, text=DEFAULT_SPEECH)

    def publish(
        self, call: Call, recording: Recording, request: RecordingRequest, text: str
    ) -> None:
        """recordingAvailable, then (when asked) the transcription and transcriptionAvailable."""
        if request.available_hook is not None:
            payload = (
                self.event(call, "recordingAvailable")
                | recording_fields(recording.facts)
                | {"status": "complete"}
            )
            self.send_async(call, request.available_hook, payload, RECORDING_PROCESSING_SECONDS)
        if request.transcribe:
            self.transcribe(call, recording, request.transcription_hook, text)

    def transcribe(self, call: Call, recording: Recording, hook: Webhook | None, text: str) -> None:
        transcription = Transcription(id=f"t-{uuid.uuid4()}", status="processing", text=text)
        with self.lock:
            recording.transcription = transcription

        def complete() -> None:
            with self.lock:
                if recording.transcription is not transcription:
                    return
                transcription.status = "available"
                transcription.completed_time = utc_now_iso()
            if hook is not None:
                payload = (
                    self.event(call, "transcriptionAvailable")
                    | recording_fields(recording.facts)
                    | {"transcription": self.transcription_metadata(recording)}
                )
                self.send_async(call, hook, payload)

        self.emu.scheduler.call_later(TRANSCRIPTION_PROCESSING_SECONDS, complete)

    def recording_metadata(self, recording: Recording) -> dict[str, Any]:
        call = self.calls[recording.call_id]
        facts = recording.facts
        return _drop_nulls(
            {
                "applicationId": call.application_id,
                "accountId": self.emu.config.account_id,
                "callId": call.id,
                "parentCallId": call.parent_call_id,
                "recordingId": recording.id,
                "to": call.to,
                "from": call.from_,
                "transferCallerId": call.transfer_caller_id,
                "transferTo": call.transfer_to,
                "duration": facts.duration,
                "direction": call.direction,
                "channels": facts.channels,
                "startTime": facts.start_time,
                "endTime": facts.end_time,
                "fileFormat": facts.file_format,
                "status": "complete",
                "mediaUrl": facts.media_url if recording.has_media else None,
                "transcription": self.transcription_metadata(recording),
            }
        )

    def recording_url(self, recording: Recording) -> str:
        return f"{self.call_url(recording.call_id)}/recordings/{recording.id}"

    def transcription_metadata(self, recording: Recording) -> dict[str, Any] | None:
        transcription = recording.transcription
        if transcription is None:
            return None
        return _drop_nulls(
            {
                "id": transcription.id,
                "status": transcription.status,
                "completedTime": transcription.completed_time,
                "url": f"{self.recording_url(recording)}/transcription",
            }
        )

    def scale(self) -> float:
        return self.emu.config.time_scale or 1.0


def _iso_at(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"


# --- a call leg the interpreter drives -------------------------------------------------------


class CallRunner:
    """Implements the interpreter's ``CallLeg`` for one call and runs its life."""

    def __init__(self, store: VoiceStore, call: Call) -> None:
        self.store = store
        self.call = call
        self.config = store.emu.config

    # --- life of a call

    def run_outbound(self) -> None:
        try:
            self._ring_outbound()
            self.note("answered", "")
            self._run_bxml(self.call.first_hook, "answer")
        except CallEnded:
            pass
        except Exception:
            logger.exception("call %s failed", self.call.id)
            self.store.end_call(self.call, "error", "emulator failure")

    def run_inbound(self) -> None:
        try:
            self._run_bxml(self.call.first_hook, "initiate")
        except CallEnded:
            pass
        except Exception:
            logger.exception("call %s failed", self.call.id)
            self.store.end_call(self.call, "error", "emulator failure")

    def _ring_outbound(self) -> None:
        call = self.call
        with self.store.lock:
            call.state = "initiated"
            call.start_time = utc_now_iso()
            self.store.touch(call)
        timeout = float(call.create_request.get("callTimeout") or 30)
        behaviour = reserved_behaviour(call.to) if E164.match(call.to) else "answer"
        if behaviour in ("busy", "reject"):
            self.wait(QUICK_REFUSAL_SECONDS)
            cause = "busy" if behaviour == "busy" else "rejected"
            self.store.end_call(call, cause)
            raise CallEnded
        if behaviour == "no-answer" or self.config.far_end_answer_delay >= timeout:
            self.wait(timeout)
            self.store.end_call(call, "timeout")
            raise CallEnded
        self.wait(self.config.far_end_answer_delay)
        self.mark_answered()

    def _run_bxml(self, first_hook: Webhook | None, event_type: str) -> None:
        call = self.call
        interpreter = BxmlInterpreter(self)

        def first_document() -> Document:
            if first_hook is None:
                raise CallbackFailed(f"no URL for the {event_type} event")
            text, served_by = self.fetch_bxml(first_hook, self.event(event_type))
            return parse_document(text, served_by)

        next_document: Callable[[], Document] = first_document
        try:
            while True:
                try:
                    interpreter.run(next_document())
                    self.store.end_call(call, "hangup")
                    return
                except ControlReplaced:
                    next_document = self._take_control
        except CallbackFailed as exc:
            self.store.end_call(call, "callback-error", str(exc))
        except InvalidBxml as exc:
            self.store.end_call(call, "invalid-bxml", str(exc))

    def _take_control(self) -> Document:
        with self.store.lock:
            control = self.call.control
            self.call.control = None
        if isinstance(control, Document):
            self.note("UpdateBxml", f"{len(control.verbs)} verb(s)")
            return control
        assert control is not None
        self.note("Redirect", control.url)
        text, served_by = self.fetch_bxml(control, self.event("redirect"))
        return parse_document(text, served_by)

    def mark_answered(self) -> None:
        with self.store.lock:
            self.call.state = "answered"
            self.call.answer_time = utc_now_iso()
            self.store.touch(self.call)

    # --- CallLeg: bookkeeping

    def note(self, kind: str, detail: str) -> None:
        self.store.note(self.call, kind, detail)

    def answer(self) -> None:
        if not self.call.answered:
            self.mark_answered()
            self.note("answered", "")

    def set_tag(self, tag: str | None) -> None:
        with self.store.lock:
            self.call.tag = tag

    def event(self, event_type: str) -> dict[str, Any]:
        return self.store.event(self.call, event_type)

    def default_credentials(self) -> tuple[str, str] | None:
        return self.call.credentials

    # --- CallLeg: time and input

    def check(self) -> None:
        """Raise when the call is over or its BXML has been replaced."""
        if self.call.ended or self.call.far_end_hung_up:
            raise CallEnded
        if self.call.control is not None:
            raise ControlReplaced

    def wait(self, seconds: float) -> None:
        deadline = time.monotonic() + self.config.scaled(seconds)
        with self.store.lock:
            while True:
                self.check()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self.store.changed.wait(remaining)

    def idle(self, seconds: float) -> None:
        patience = self.config.far_end_hangup_after
        if seconds <= patience:
            self.wait(seconds)
            return
        self.wait(patience)
        self.note("far-end", "hung up while waiting")
        self.store.end_call(self.call, "hangup")
        raise CallEnded

    def has_pending_digits(self) -> bool:
        with self.store.lock:
            return bool(self.call.digits)

    def read_digit(self, timeout: float) -> str | None:
        deadline = time.monotonic() + self.config.scaled(timeout)
        with self.store.lock:
            while True:
                self.check()
                if self.call.digits:
                    return self.call.digits.popleft()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.store.changed.wait(remaining)

    # --- CallLeg: webhooks

    def fetch_bxml(self, hook: Webhook, payload: dict[str, Any]) -> tuple[str, str]:
        self.check()
        result = self.store.fetch_bxml(self.call, hook, payload)
        self.check()
        return result

    # --- CallLeg: recording

    def record(self, request: RecordRequest, publish: RecordingRequest) -> RecordingFacts:
        with self.store.lock:
            speech = self.call.speech.popleft() if self.call.speech else None
        speech = speech or Speech(DEFAULT_SPEECH, DEFAULT_SPEECH_SECONDS)
        started = time.time()
        try:
            self._record_until_done(min(speech.duration, request.max_duration), request)
        finally:
            ended = time.time()
            recording = self.store.new_recording(self.call, started, ended, request.file_format)
            self.store.publish(self.call, recording, publish, speech.text)
        return recording.facts

    def _record_until_done(self, seconds: float, request: RecordRequest) -> None:
        deadline = time.monotonic() + self.config.scaled(seconds)
        while True:
            remaining = (deadline - time.monotonic()) / self.store.scale()
            if remaining <= 0:
                return
            digit = self.read_digit(remaining)
            if digit is None or digit in request.terminating_digits:
                return

    def start_recording(self, request: RecordingRequest) -> None:
        with self.store.lock:
            if self.call.active_recording is None:
                self.call.active_recording = (time.time(), "", request)

    def stop_recording(self) -> None:
        with self.store.lock:
            active = self.call.active_recording
            self.call.active_recording = None
        if active is not None:
            self.store.finish_recording(self.call, active)

    # --- CallLeg: other parties

    def transfer(self, request: TransferRequest) -> TransferOutcome:
        return TransferSession(self, request).run()

    def forward(self, to: str, caller_id: str | None, call_timeout: float) -> None:
        behaviour = reserved_behaviour(to) if E164.match(to) else "answer"
        if behaviour == "no-answer":
            self.wait(call_timeout)
            self.store.end_call(self.call, "timeout")
        elif behaviour == "answer":
            self.wait(min(self.config.transfer_answer_delay, call_timeout))
            self.note("Forward", f"{to} answered")
            self.wait(self.config.far_end_hangup_after)
            self.store.end_call(self.call, "hangup")
        else:
            self.wait(QUICK_REFUSAL_SECONDS)
            self.store.end_call(self.call, "busy" if behaviour == "busy" else "rejected")
        raise CallEnded

    def hangup(self) -> None:
        self.store.end_call(self.call, "hangup")
        raise CallEnded


@dataclass
class TransferLeg:
    target: TransferTarget
    call: Call
    decision: FarEndAction | None = None
    decide_at: float | None = None


class TransferSession:
    """One ``<Transfer>``: rings every target, bridges the first answer, reports the outcome."""

    def __init__(self, runner: CallRunner, request: TransferRequest) -> None:
        self.runner = runner
        self.store = runner.store
        self.config = runner.config
        self.request = request
        parent = runner.call
        self.caller_id = request.caller_id or parent.from_
        self.legs = [self._new_leg(target) for target in request.targets]

    def _new_leg(self, target: TransferTarget) -> TransferLeg:
        parent = self.runner.call
        now = utc_now_iso()
        call = Call(
            id=new_call_id(),
            direction="outbound",
            from_=self.caller_id,
            to=target.number,
            application_id=parent.application_id,
            state="initiated",
            enqueued_time=None,
            start_time=now,
            tag=target.tag if target.tag is not None else parent.tag,
            parent_call_id=parent.id,
            transfer_caller_id=self.caller_id,
            transfer_to=target.number,
            callback_timeout=parent.callback_timeout,
            credentials=parent.credentials,
            disconnect_hook=target.disconnect_hook,
        )
        self.store.add_call(call)
        self.store.note(call, "ringing", f"transfer from {parent.id}")
        leg = TransferLeg(target, call)
        behaviour = reserved_behaviour(target.number) if E164.match(target.number) else "answer"
        if behaviour in ("busy", "reject"):
            leg.decision, leg.decide_at = behaviour, self._after(QUICK_REFUSAL_SECONDS)
        elif behaviour == "answer":
            leg.decision, leg.decide_at = "answer", self._after(self.config.transfer_answer_delay)
        return leg

    def _after(self, seconds: float) -> float:
        return time.monotonic() + self.config.scaled(seconds)

    def run(self) -> TransferOutcome:
        try:
            answered = self._ring()
            if answered is None:
                return self._unanswered()
            return self._bridge(answered)
        except (CallEnded, ControlReplaced):
            for leg in self.legs:
                cause = "hangup" if leg.call.answered else "cancel"
                self.store.end_call(leg.call, cause)
            raise

    def _ring(self) -> TransferLeg | None:
        """Wait for the first leg to answer; refused legs end on the way."""
        deadline = self._after(self.request.call_timeout)
        parent = self.runner.call
        while True:
            with self.store.lock:
                self.runner.check()
                self._apply_sim_actions(parent)
                now = time.monotonic()
                due = [leg for leg in self._ringing() if leg.decide_at and leg.decide_at <= now]
            for leg in due:
                if leg.decision == "answer":
                    if self._answer(leg):
                        return leg
                else:
                    self.store.end_call(leg.call, "busy" if leg.decision == "busy" else "rejected")
            with self.store.lock:
                ringing = self._ringing()
                if not ringing:
                    return None
                now = time.monotonic()
                if now >= deadline:
                    for leg in ringing:
                        self.store.end_call(leg.call, "timeout")
                    return None
                upcoming = [leg.decide_at for leg in ringing if leg.decide_at] + [deadline]
                self.store.changed.wait(max(0.0, min(upcoming) - now))

    def _ringing(self) -> list[TransferLeg]:
        return [leg for leg in self.legs if not leg.call.ended and not leg.call.answered]

    def _apply_sim_actions(self, parent: Call) -> None:
        while parent.far_end_actions:
            action, number = parent.far_end_actions.popleft()
            ringing = [leg for leg in self._ringing() if number in (None, leg.target.number)]
            if not ringing:
                continue
            leg = ringing[0]
            if action == "no-answer":
                leg.decision, leg.decide_at = None, None
            else:
                leg.decision, leg.decide_at = action, time.monotonic()

    def _answer(self, leg: TransferLeg) -> bool:
        """The leg picks up: others stop ringing; its transferAnswer BXML plays to it."""
        for other in self._ringing():
            if other is not leg:
                self.store.end_call(other.call, "cancel")
        runner = CallRunner(self.store, leg.call)
        runner.mark_answered()
        runner.note("answered", "")
        hook = leg.target.answer_hook
        if hook is None:
            return True
        try:
            text, served_by = runner.fetch_bxml(hook, runner.event("transferAnswer"))
            BxmlInterpreter(runner).run(parse_document(text, served_by))
        except CallbackFailed as exc:
            self.store.end_call(leg.call, "callback-error", str(exc))
        except InvalidBxml as exc:
            self.store.end_call(leg.call, "invalid-bxml", str(exc))
        except (CallEnded, ControlReplaced):
            pass
        return not leg.call.ended

    def _bridge(self, leg: TransferLeg) -> TransferOutcome:
        self.runner.note("bridged", f"{leg.call.id} {leg.target.number}")
        self.store.note(leg.call, "bridged", self.runner.call.id)
        hangup_at = self._after(self.config.far_end_hangup_after)
        with self.store.lock:
            while not leg.call.ended:
                self.runner.check()
                remaining = hangup_at - time.monotonic()
                if remaining <= 0 or leg.call.far_end_hung_up:
                    break
                self.store.changed.wait(remaining)
        self.store.end_call(leg.call, "hangup")
        return self._outcome(leg)

    def _unanswered(self) -> TransferOutcome:
        return self._outcome(self.legs[-1])

    def _outcome(self, leg: TransferLeg) -> TransferOutcome:
        cause = leg.call.disconnect_cause or "hangup"
        return TransferOutcome(
            cause=cause,
            transfer_caller_id=self.caller_id,
            transfer_to=leg.target.number,
            error_message=leg.call.error_message,
            error_id=leg.call.error_id,
        )


# --- Voice API -------------------------------------------------------------------------------


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


def _pair(body: dict[str, Any], user: str, password: str) -> tuple[str, str] | None:
    return (body[user], body.get(password) or "") if body.get(user) else None


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


def _require_recording(emu: Emulator, call_id: str, recording_id: str) -> Recording:
    _require_call(emu, call_id)
    recording = _store(emu).recordings.get(recording_id)
    if recording is None or recording.call_id != call_id:
        raise ApiProblem(404, f"Recording [{recording_id}] not found")
    return recording


@routes.route(CALL + "/recordings", methods=["GET"])
@_handles_problems
def list_call_recordings(emu: Emulator, request: Request, accountId: str, callId: str) -> Response:
    _require_call(emu, callId)
    store = _store(emu)
    with store.lock:
        found = [
            store.recording_metadata(r) for r in store.recordings.values() if r.call_id == callId
        ]
    return json_response(found)


@routes.route("/api/v2/accounts/<accountId>/recordings", methods=["GET"])
@_handles_problems
def list_account_recordings(emu: Emulator, request: Request, accountId: str) -> Response:
    store = _store(emu)
    args = request.args
    with store.lock:
        found = [store.recording_metadata(r) for r in store.recordings.values()]
    selected = [
        r
        for r in found
        if args.get("to") in (None, r["to"])
        and args.get("from") in (None, r["from"])
        and (args.get("minStartTime") or "") <= r["startTime"]
        and r["startTime"] <= (args.get("maxStartTime") or "9999")
    ]
    return json_response(selected[:1000])


@routes.route(RECORDING, methods=["GET"])
@_handles_problems
def get_recording(
    emu: Emulator, request: Request, accountId: str, callId: str, recordingId: str
) -> Response:
    recording = _require_recording(emu, callId, recordingId)
    with _store(emu).lock:
        return json_response(_store(emu).recording_metadata(recording))


@routes.route(RECORDING, methods=["DELETE"])
@_handles_problems
def delete_recording(
    emu: Emulator, request: Request, accountId: str, callId: str, recordingId: str
) -> Response:
    _require_recording(emu, callId, recordingId)
    with _store(emu).lock:
        del _store(emu).recordings[recordingId]
    return empty_response(204)


@routes.route(RECORDING + "/media", methods=["GET"])
@_handles_problems
def download_recording(
    emu: Emulator, request: Request, accountId: str, callId: str, recordingId: str
) -> Response:
    recording = _require_recording(emu, callId, recordingId)
    if not recording.has_media:
        raise ApiProblem(404, f"Recording [{recordingId}] media not found")
    seconds = _seconds(recording.facts.duration)
    if recording.facts.file_format == "mp3":
        return Response(b"", status=200, content_type="audio/mpeg")
    return Response(wav_bytes(seconds), status=200, content_type="audio/vnd.wave")


def _seconds(iso: str) -> float:
    match = re.fullmatch(r"PT([\d.]+)S", iso)
    return float(match.group(1)) if match else 1.0


@routes.route(RECORDING + "/media", methods=["DELETE"])
@_handles_problems
def delete_recording_media(
    emu: Emulator, request: Request, accountId: str, callId: str, recordingId: str
) -> Response:
    recording = _require_recording(emu, callId, recordingId)
    recording.has_media = False
    return empty_response(204)


@routes.route(RECORDING + "/transcription", methods=["POST"])
@_handles_problems
def request_transcription(
    emu: Emulator, request: Request, accountId: str, callId: str, recordingId: str
) -> Response:
    recording = _require_recording(emu, callId, recordingId)
    body = _json_object(request)
    callback_url = _url(body, "callbackUrl")
    _number(body, "callbackTimeout", 1, 25, 15)
    store = _store(emu)
    call = _require_call(emu, callId)
    credentials = _pair(body, "username", "password") or call.credentials
    hook = (
        Webhook(callback_url, _method(body, "callbackMethod"), credentials)
        if callback_url
        else None
    )
    store.note(call, "api", f"transcription requested for {recordingId}")
    text = recording.transcription.text if recording.transcription else DEFAULT_SPEECH
    store.transcribe(call, recording, hook, text)
    return empty_response(204)


@routes.route(RECORDING + "/transcription", methods=["GET"])
@_handles_problems
def get_transcription(
    emu: Emulator, request: Request, accountId: str, callId: str, recordingId: str
) -> Response:
    recording = _require_recording(emu, callId, recordingId)
    transcription = recording.transcription
    if transcription is None or transcription.status != "available":
        raise ApiProblem(404, f"Transcription for recording [{recordingId}] not found")
    return json_response(
        {"transcripts": [{"text": transcription.text, "confidence": TRANSCRIPT_CONFIDENCE}]}
    )


@routes.route(RECORDING + "/transcription", methods=["DELETE"])
@_handles_problems
def delete_transcription(
    emu: Emulator, request: Request, accountId: str, callId: str, recordingId: str
) -> Response:
    recording = _require_recording(emu, callId, recordingId)
    if recording.transcription is None:
        raise ApiProblem(404, f"Transcription for recording [{recordingId}] not found")
    recording.transcription = None
    return empty_response(204)


# --- simulation endpoints --------------------------------------------------------------------


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


routes.entries.extend(sim_routes.entries)
