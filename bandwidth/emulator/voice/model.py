"""A call, its recordings and transcriptions, and how simulated far ends behave."""

from __future__ import annotations

import array
import io
import math
import re
import secrets
import uuid
import wave
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from bandwidth.emulator.bxml_interpreter import Document, RecordingFacts, RecordingRequest, Webhook
from bandwidth.emulator.http import utc_now_iso

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
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
SIP_URI = re.compile(r"^sips?:[^@\s]+@[^@\s]+$")


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
