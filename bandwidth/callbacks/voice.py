"""Voice v2 callbacks: one JSON event per request, typed by its ``eventType``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bandwidth.callbacks.readers import (
    CallbackParseError,
    _build,
    _choice,
    _json,
    _load_json,
    _nested,
    _opt_int,
    _opt_str,
    _opt_str_map,
    _opt_time,
    _reject_legacy,
    _req_str,
    _req_time,
    parse_iso_duration,
)


@dataclass(frozen=True, kw_only=True)
class Diversion:
    orig_to: str | None = field(metadata=_json("origTo", _opt_str))
    reason: str | None = field(metadata=_json("reason", _opt_str))
    privacy: str | None = field(metadata=_json("privacy", _opt_str))
    screen: str | None = field(metadata=_json("screen", _opt_str))
    counter: str | None = field(metadata=_json("counter", _opt_str))
    limit: str | None = field(metadata=_json("limit", _opt_str))
    unknown: str | None = field(metadata=_json("unknown", _opt_str))


@dataclass(frozen=True, kw_only=True)
class StirShaken:
    verstat: str | None = field(metadata=_json("verstat", _opt_str))
    attestation_indicator: str | None = field(metadata=_json("attestationIndicator", _opt_str))
    originating_id: str | None = field(metadata=_json("originatingId", _opt_str))


@dataclass(frozen=True, kw_only=True)
class MachineDetectionResult:
    value: str = field(metadata=_json("value", _req_str))
    duration: str | None = field(metadata=_json("duration", _opt_str))


@dataclass(frozen=True, kw_only=True)
class Transcription:
    id: str | None = field(metadata=_json("id", _opt_str))
    url: str | None = field(metadata=_json("url", _opt_str))
    status: str | None = field(metadata=_json("status", _opt_str))
    completed_time: datetime | None = field(metadata=_json("completedTime", _opt_time))


@dataclass(frozen=True, kw_only=True)
class _VoiceEventBase:
    event_type: str = field(metadata=_json("eventType", _req_str))
    event_time: datetime = field(metadata=_json("eventTime", _req_time))
    account_id: str = field(metadata=_json("accountId", _req_str))
    application_id: str = field(metadata=_json("applicationId", _req_str))
    from_: str = field(metadata=_json("from", _req_str))
    to: str = field(metadata=_json("to", _req_str))
    direction: Literal["inbound", "outbound"] = field(
        metadata=_json("direction", _choice("inbound", "outbound"))
    )
    call_id: str = field(metadata=_json("callId", _req_str))
    call_url: str = field(metadata=_json("callUrl", _req_str))
    enqueued_time: datetime | None = field(metadata=_json("enqueuedTime", _opt_time))
    start_time: datetime | None = field(metadata=_json("startTime", _opt_time))
    answer_time: datetime | None = field(metadata=_json("answerTime", _opt_time))
    tag: str | None = field(metadata=_json("tag", _opt_str))
    parent_call_id: str | None = field(metadata=_json("parentCallId", _opt_str))
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, kw_only=True)
class _TransferLegFields(_VoiceEventBase):
    transfer_caller_id: str | None = field(metadata=_json("transferCallerId", _opt_str))
    transfer_to: str | None = field(metadata=_json("transferTo", _opt_str))


@dataclass(frozen=True, kw_only=True)
class _CallErrorFields(_TransferLegFields):
    cause: str | None = field(metadata=_json("cause", _opt_str))
    error_message: str | None = field(metadata=_json("errorMessage", _opt_str))
    error_id: str | None = field(metadata=_json("errorId", _opt_str))


@dataclass(frozen=True, kw_only=True)
class _RecordingFields(_TransferLegFields):
    recording_id: str = field(metadata=_json("recordingId", _req_str))
    media_url: str | None = field(metadata=_json("mediaUrl", _opt_str))
    end_time: datetime | None = field(metadata=_json("endTime", _opt_time))
    duration: str | None = field(metadata=_json("duration", _opt_str))
    file_format: str | None = field(metadata=_json("fileFormat", _opt_str))
    channels: int | None = field(metadata=_json("channels", _opt_int))

    @property
    def duration_seconds(self) -> float | None:
        return None if self.duration is None else parse_iso_duration(self.duration)


@dataclass(frozen=True, kw_only=True)
class InitiateEvent(_VoiceEventBase):
    diversion: Diversion | None = field(metadata=_json("diversion", _nested(Diversion)))
    stir_shaken: StirShaken | None = field(metadata=_json("stirShaken", _nested(StirShaken)))
    uui: str | None = field(metadata=_json("uui", _opt_str))
    sip_call_id: str | None = field(metadata=_json("sipCallId", _opt_str))
    sip_headers: dict[str, str] | None = field(metadata=_json("sipHeaders", _opt_str_map))


@dataclass(frozen=True, kw_only=True)
class AnswerEvent(_VoiceEventBase):
    machine_detection_result: MachineDetectionResult | None = field(
        metadata=_json("machineDetectionResult", _nested(MachineDetectionResult))
    )
    sip_call_id: str | None = field(metadata=_json("sipCallId", _opt_str))


@dataclass(frozen=True, kw_only=True)
class DisconnectEvent(_VoiceEventBase):
    end_time: datetime | None = field(metadata=_json("endTime", _opt_time))
    cause: str | None = field(metadata=_json("cause", _opt_str))
    error_message: str | None = field(metadata=_json("errorMessage", _opt_str))
    error_id: str | None = field(metadata=_json("errorId", _opt_str))
    sip_call_id: str | None = field(metadata=_json("sipCallId", _opt_str))
    sip_response_code: int | None = field(metadata=_json("sipResponseCode", _opt_int))


@dataclass(frozen=True, kw_only=True)
class GatherEvent(_TransferLegFields):
    digits: str | None = field(metadata=_json("digits", _opt_str))
    terminating_digit: str | None = field(metadata=_json("terminatingDigit", _opt_str))


@dataclass(frozen=True, kw_only=True)
class RedirectEvent(_TransferLegFields):
    pass


@dataclass(frozen=True, kw_only=True)
class RecordCompleteEvent(_RecordingFields):
    pass


@dataclass(frozen=True, kw_only=True)
class RecordingAvailableEvent(_RecordingFields):
    status: str | None = field(metadata=_json("status", _opt_str))


@dataclass(frozen=True, kw_only=True)
class TranscriptionAvailableEvent(_RecordingFields):
    transcription: Transcription | None = field(
        metadata=_json("transcription", _nested(Transcription))
    )


@dataclass(frozen=True, kw_only=True)
class TransferAnswerEvent(_TransferLegFields):
    pass


@dataclass(frozen=True, kw_only=True)
class TransferCompleteEvent(_CallErrorFields):
    pass


@dataclass(frozen=True, kw_only=True)
class TransferDisconnectEvent(_CallErrorFields):
    end_time: datetime | None = field(metadata=_json("endTime", _opt_time))


@dataclass(frozen=True, kw_only=True)
class DtmfEvent(_TransferLegFields):
    digit: str | None = field(metadata=_json("digit", _opt_str))


@dataclass(frozen=True, kw_only=True)
class MachineDetectionCompleteEvent(_VoiceEventBase):
    machine_detection_result: MachineDetectionResult | None = field(
        metadata=_json("machineDetectionResult", _nested(MachineDetectionResult))
    )


@dataclass(frozen=True, kw_only=True)
class UnknownVoiceEvent:
    """A voice event type Parley does not handle (conferences, bridges, streams, …)."""

    event_type: str
    call_id: str | None
    raw: dict[str, Any]


VoiceEvent = (
    InitiateEvent
    | AnswerEvent
    | DisconnectEvent
    | GatherEvent
    | RedirectEvent
    | RecordCompleteEvent
    | RecordingAvailableEvent
    | TranscriptionAvailableEvent
    | TransferAnswerEvent
    | TransferCompleteEvent
    | TransferDisconnectEvent
    | DtmfEvent
    | MachineDetectionCompleteEvent
    | UnknownVoiceEvent
)

_VOICE_EVENT_CLASSES: dict[str, type[Any]] = {
    "initiate": InitiateEvent,
    "answer": AnswerEvent,
    "disconnect": DisconnectEvent,
    "gather": GatherEvent,
    "redirect": RedirectEvent,
    "recordComplete": RecordCompleteEvent,
    "recordingAvailable": RecordingAvailableEvent,
    "transcriptionAvailable": TranscriptionAvailableEvent,
    "transferAnswer": TransferAnswerEvent,
    "transferComplete": TransferCompleteEvent,
    "transferDisconnect": TransferDisconnectEvent,
    "dtmf": DtmfEvent,
    "machineDetectionComplete": MachineDetectionCompleteEvent,
}

_SYNCHRONOUS_VOICE_EVENTS = frozenset(
    {
        "initiate",
        "answer",
        "gather",
        "redirect",
        "recordComplete",
        "transferAnswer",
        "transferComplete",
        "bridgeComplete",
        "bridgeTargetComplete",
        "conferenceCreated",
        "conferenceRedirect",
        "conferenceMemberJoin",
        "conferenceMemberExit",
    }
)


def is_synchronous(event_type: str) -> bool:
    """Whether Bandwidth executes the BXML returned for this voice event."""
    return event_type in _SYNCHRONOUS_VOICE_EVENTS


def parse_voice_callback(body: bytes | str) -> VoiceEvent:
    """The event in a voice webhook body (one JSON object)."""
    data = _load_json(body)
    if not isinstance(data, dict):
        raise CallbackParseError(f"body must be a JSON object, got {type(data).__name__}")
    _reject_legacy(data, "body")
    event_type = _req_str(data, "eventType", "body")
    event_class = _VOICE_EVENT_CLASSES.get(event_type)
    if event_class is None:
        return UnknownVoiceEvent(
            event_type=event_type, call_id=_opt_str(data, "callId", event_type), raw=dict(data)
        )
    event: VoiceEvent = _build(event_class, data, event_type)
    return event
