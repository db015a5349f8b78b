"""``CallRunner``: the life of one call, as the ``CallLeg`` the BXML interpreter drives."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

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
    Webhook,
    parse_document,
)
from bandwidth.emulator.http import utc_now_iso
from bandwidth.emulator.voice.model import (
    DEFAULT_SPEECH,
    DEFAULT_SPEECH_SECONDS,
    E164,
    QUICK_REFUSAL_SECONDS,
    Call,
    Speech,
    reserved_behaviour,
)
from bandwidth.emulator.voice.store import VoiceStore

logger = logging.getLogger(__name__)


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
        from bandwidth.emulator.voice.transfers import TransferSession  # it builds CallRunners

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
