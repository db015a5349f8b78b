"""``VoiceStore``: every call of one emulator, its webhooks, recordings and transcriptions."""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bandwidth.emulator.bxml_interpreter import (
    CallbackFailed,
    RecordingFacts,
    RecordingRequest,
    Webhook,
    recording_fields,
)
from bandwidth.emulator.http import utc_now_iso
from bandwidth.emulator.voice.events import (
    CAUSE_MESSAGES,
    ERROR_CAUSES,
    SIP_RESPONSE_CODES,
    _drop_nulls,
    shape_event,
)
from bandwidth.emulator.voice.model import (
    DEFAULT_SPEECH,
    RECORDING_PROCESSING_SECONDS,
    TRANSCRIPTION_PROCESSING_SECONDS,
    Call,
    CallEvent,
    Recording,
    Transcription,
    iso_duration,
)

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator


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
