"""Typed parsing of Bandwidth webhook bodies: messaging v2, voice v2 and Numbers notifications.

Every problem with a body is reported as one `CallbackParseError` whose message names the
offending field, so a webhook view can answer 400 with that message.

Legacy v1 ("Catapult") callbacks are not accepted: Bandwidth retired v1 and new accounts only get
v2. Their shapes (messaging `eventType` sms/mms; voice `eventType` incomingcall/hangup/… with
`callUri`) are detected explicitly and raise `LegacyCallbackError` instead of a vaguer error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml

__all__ = [
    "AnswerEvent",
    "CallbackMessage",
    "CallbackParseError",
    "DisconnectEvent",
    "Diversion",
    "DtmfEvent",
    "GatherEvent",
    "InitiateEvent",
    "LegacyCallbackError",
    "MachineDetectionCompleteEvent",
    "MachineDetectionResult",
    "MessageReceived",
    "MessageStatusEvent",
    "MessagingEvent",
    "NotificationError",
    "NumbersNotification",
    "RecordCompleteEvent",
    "RecordingAvailableEvent",
    "RedirectEvent",
    "StirShaken",
    "Transcription",
    "TranscriptionAvailableEvent",
    "TransferAnswerEvent",
    "TransferCompleteEvent",
    "TransferDisconnectEvent",
    "UnknownMessagingEvent",
    "UnknownVoiceEvent",
    "VoiceEvent",
    "is_synchronous",
    "parse_iso_duration",
    "parse_messaging_callbacks",
    "parse_numbers_notification",
    "parse_timestamp",
    "parse_voice_callback",
]


class CallbackParseError(ValueError):
    """A webhook body that is not a well-formed Bandwidth callback."""


class LegacyCallbackError(CallbackParseError):
    """A retired Bandwidth v1 (Catapult) callback, which Parley does not accept."""


# --- field readers -------------------------------------------------------------------------------

Reader = Callable[[Mapping[str, Any], str, str], Any]
T = TypeVar("T")


def _json(key: str, read: Reader) -> dict[str, Any]:
    """Field metadata: the value comes from JSON key `key`, read by `read`."""
    return {"key": key, "read": read}


def _missing(path: str, key: str) -> CallbackParseError:
    return CallbackParseError(f"{path}.{key} is missing")


def _wrong_type(path: str, key: str, expected: str, value: object) -> CallbackParseError:
    return CallbackParseError(f"{path}.{key} must be {expected}, got {type(value).__name__}")


def _opt_str(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _wrong_type(path, key, "a string", value)
    return value


def _req_str(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = _opt_str(obj, key, path)
    if value is None:
        raise _missing(path, key)
    return value


def _opt_int(obj: Mapping[str, Any], key: str, path: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(path, key, "an integer", value)
    return value


def _req_int(obj: Mapping[str, Any], key: str, path: str) -> int:
    value = _opt_int(obj, key, path)
    if value is None:
        raise _missing(path, key)
    return value


def _opt_time(obj: Mapping[str, Any], key: str, path: str) -> datetime | None:
    text = _opt_str(obj, key, path)
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError:
        raise CallbackParseError(f"{path}.{key} is not a timestamp: {text!r}") from None


def _req_time(obj: Mapping[str, Any], key: str, path: str) -> datetime:
    value = _opt_time(obj, key, path)
    if value is None:
        raise _missing(path, key)
    return value


def _str_tuple(obj: Mapping[str, Any], key: str, path: str) -> tuple[str, ...] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise _wrong_type(path, key, "an array", value)
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise _wrong_type(path, f"{key}[{index}]", "a string", item)
    return tuple(value)


def _req_str_tuple(obj: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    value = _str_tuple(obj, key, path)
    if value is None:
        raise _missing(path, key)
    return value


def _opt_str_tuple(obj: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    return _str_tuple(obj, key, path) or ()


def _opt_str_map(obj: Mapping[str, Any], key: str, path: str) -> dict[str, str] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _wrong_type(path, key, "an object of strings", value)
    return dict(value)


def _choice(*allowed: str) -> Reader:
    def read(obj: Mapping[str, Any], key: str, path: str) -> str:
        value = _req_str(obj, key, path)
        if value not in allowed:
            raise CallbackParseError(f"{path}.{key} must be one of {', '.join(allowed)}: {value!r}")
        return value

    return read


def _nested(cls: type[Any], *, required: bool = False) -> Reader:
    def read(obj: Mapping[str, Any], key: str, path: str) -> Any:
        value = obj.get(key)
        if value is None:
            if required:
                raise _missing(path, key)
            return None
        if not isinstance(value, dict):
            raise _wrong_type(path, key, "an object", value)
        return _build(cls, value, f"{path}.{key}")

    return read


def _build(cls: type[T], obj: Mapping[str, Any], path: str) -> T:
    values: dict[str, Any] = {}
    for item in fields(cls):  # type: ignore[arg-type]
        if "read" in item.metadata:
            values[item.name] = item.metadata["read"](obj, item.metadata["key"], path)
        elif item.name == "raw":
            values["raw"] = dict(obj)
        elif item.default is MISSING and item.default_factory is MISSING:
            raise TypeError(f"{cls.__name__}.{item.name} has no reader")
    return cls(**values)


# --- timestamps and durations --------------------------------------------------------------------


def parse_timestamp(text: str) -> datetime:
    """An ISO-8601 timestamp as an aware UTC datetime; a missing offset means UTC."""
    parsed = datetime.fromisoformat(text.strip())
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


_ISO_DURATION = re.compile(
    r"^P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_iso_duration(text: str) -> float:
    """Seconds in an ISO-8601 duration such as Bandwidth's recording `PT13.67S`."""
    match = _ISO_DURATION.match(text.strip())
    if match is None or text.strip() in ("P", "PT"):
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    parts = {name: float(value) for name, value in match.groupdict().items() if value}
    return (
        parts.get("days", 0.0) * 86400
        + parts.get("hours", 0.0) * 3600
        + parts.get("minutes", 0.0) * 60
        + parts.get("seconds", 0.0)
    )


# --- legacy v1 detection -------------------------------------------------------------------------

_V1_MESSAGING_EVENTS = frozenset({"sms", "mms"})
_V1_ONLY_VOICE_EVENTS = frozenset(
    {"incomingcall", "hangup", "speak", "playback", "recording", "timeout", "reject"}
)


def _legacy_kind(obj: Mapping[str, Any]) -> str | None:
    event_type = obj.get("eventType")
    if event_type in _V1_MESSAGING_EVENTS:
        return "messaging"
    if "callUri" in obj or event_type in _V1_ONLY_VOICE_EVENTS:
        return "voice"
    return None


def _reject_legacy(obj: Mapping[str, Any], where: str) -> None:
    kind = _legacy_kind(obj)
    if kind is not None:
        raise LegacyCallbackError(
            f"{where} is a retired Bandwidth v1 (Catapult) {kind} callback "
            f"(eventType {obj.get('eventType')!r}); Parley accepts only v2 callbacks"
        )


def _load_json(body: bytes | str) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CallbackParseError(f"body is not valid JSON: {error}") from None


# --- messaging -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CallbackMessage:
    id: str = field(metadata=_json("id", _req_str))
    owner: str = field(metadata=_json("owner", _req_str))
    application_id: str = field(metadata=_json("applicationId", _req_str))
    time: datetime = field(metadata=_json("time", _req_time))
    segment_count: int = field(metadata=_json("segmentCount", _req_int))
    direction: Literal["in", "out"] = field(metadata=_json("direction", _choice("in", "out")))
    to: tuple[str, ...] = field(metadata=_json("to", _req_str_tuple))
    from_: str = field(metadata=_json("from", _req_str))
    text: str | None = field(metadata=_json("text", _opt_str))
    tag: str | None = field(metadata=_json("tag", _opt_str))
    media: tuple[str, ...] = field(metadata=_json("media", _opt_str_tuple))
    priority: str | None = field(metadata=_json("priority", _opt_str))


@dataclass(frozen=True, kw_only=True)
class _MessagingEnvelope:
    type: str = field(metadata=_json("type", _req_str))
    time: datetime = field(metadata=_json("time", _req_time))
    to: str = field(metadata=_json("to", _req_str))
    description: str = field(metadata=_json("description", _req_str))
    message: CallbackMessage = field(
        metadata=_json("message", _nested(CallbackMessage, required=True))
    )
    error_code: int | None = field(metadata=_json("errorCode", _opt_int))
    carrier_name: str | None = field(metadata=_json("carrierName", _opt_str))
    event_time: datetime | None = field(metadata=_json("eventTime", _opt_time))
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, kw_only=True)
class MessageReceived(_MessagingEnvelope):
    """`message-received`: an inbound message to one of the account's numbers (`to`)."""


@dataclass(frozen=True, kw_only=True)
class MessageStatusEvent(_MessagingEnvelope):
    """`message-sending|sent|delivered|failed` for one recipient (`to`) of an outbound message."""

    @property
    def status(self) -> Literal["sending", "sent", "delivered", "failed"]:
        return _STATUS_BY_TYPE[self.type]


@dataclass(frozen=True, kw_only=True)
class UnknownMessagingEvent:
    """A callback type Parley does not handle; fields are filled only when well-formed."""

    type: str
    raw: dict[str, Any]
    time: datetime | None = None
    to: str | None = None
    description: str | None = None
    message: CallbackMessage | None = None
    error_code: int | None = None
    carrier_name: str | None = None
    event_time: datetime | None = None


MessagingEvent = MessageReceived | MessageStatusEvent | UnknownMessagingEvent

_STATUS_BY_TYPE: dict[str, Literal["sending", "sent", "delivered", "failed"]] = {
    "message-sending": "sending",
    "message-sent": "sent",
    "message-delivered": "delivered",
    "message-failed": "failed",
}


def parse_messaging_callbacks(body: bytes | str) -> list[MessagingEvent]:
    """Events in a messaging webhook body: a JSON array (as sent) or a single bare object."""
    data = _load_json(body)
    if isinstance(data, dict):
        items: list[Any] = [data]
    elif isinstance(data, list):
        items = data
    else:
        raise CallbackParseError(f"body must be a JSON array or object, got {type(data).__name__}")
    return [_messaging_event(item, index) for index, item in enumerate(items)]


def _messaging_event(item: Any, index: int) -> MessagingEvent:
    if not isinstance(item, dict):
        raise CallbackParseError(f"[{index}] must be an object, got {type(item).__name__}")
    _reject_legacy(item, f"[{index}]")
    event_type = _req_str(item, "type", f"[{index}]")
    path = f"{event_type}[{index}]"
    if event_type == "message-received":
        return _build(MessageReceived, item, path)
    if event_type in _STATUS_BY_TYPE:
        return _build(MessageStatusEvent, item, path)
    return _unknown_messaging_event(event_type, item, path)


def _unknown_messaging_event(event_type: str, item: dict[str, Any], path: str) -> MessagingEvent:
    try:
        envelope = _build(_MessagingEnvelope, item, path)
    except CallbackParseError:
        return UnknownMessagingEvent(type=event_type, raw=dict(item))
    return UnknownMessagingEvent(
        type=event_type,
        raw=envelope.raw,
        time=envelope.time,
        to=envelope.to,
        description=envelope.description,
        message=envelope.message,
        error_code=envelope.error_code,
        carrier_name=envelope.carrier_name,
        event_time=envelope.event_time,
    )


# --- voice ---------------------------------------------------------------------------------------


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


# --- numbers notifications (XML) -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class NotificationError:
    code: str | None
    description: str | None
    telephone_number: str | None = None


@dataclass(frozen=True, kw_only=True)
class NumbersNotification:
    """A Numbers (Dashboard) subscription notification: order state change or number event."""

    subscription_id: str
    order_type: str | None
    order_id: str | None
    customer_order_id: str | None
    status: str | None
    message: str | None
    note: str | None
    event_type: str | None
    completed_numbers: tuple[str, ...]
    failed_numbers: tuple[str, ...]
    impacted_numbers: tuple[str, ...]
    errors: tuple[NotificationError, ...]
    last_modified_date: datetime | None


_NUMBER_TAGS = ("TelephoneNumber", "FullNumber")


def parse_numbers_notification(body: bytes | str) -> NumbersNotification:
    """A `<Notification>` POSTed by a Numbers subscription; numbers come back in E.164."""
    root = _parse_notification_xml(body)
    subscription_id = _xml_text(root, "SubscriptionId")
    if not subscription_id:
        raise CallbackParseError("Notification.SubscriptionId is missing")
    last_modified = _xml_text(root, "LastModifiedDate")
    return NumbersNotification(
        subscription_id=subscription_id,
        order_type=_xml_text(root, "OrderType"),
        order_id=_xml_text(root, "OrderId"),
        customer_order_id=_xml_text(root, "CustomerOrderId"),
        status=_xml_text(root, "Status"),
        message=_xml_text(root, "Message"),
        note=_xml_text(root, "Note"),
        event_type=_xml_text(root, "EventType"),
        completed_numbers=_xml_numbers(root, "CompletedTelephoneNumbers"),
        failed_numbers=_xml_numbers(root, "FailedTelephoneNumbers")
        + _xml_numbers(root, "FailedNumbers"),
        impacted_numbers=_xml_numbers(root, "ImpactedTelephoneNumbers"),
        errors=_xml_errors(root),
        last_modified_date=_xml_timestamp(last_modified, "Notification.LastModifiedDate"),
    )


def _parse_notification_xml(body: bytes | str) -> Element:
    try:
        root: Element = parse_xml(body)
    except DefusedXmlException as error:
        raise CallbackParseError(f"body contains forbidden XML ({type(error).__name__})") from None
    except ParseError as error:
        raise CallbackParseError(f"body is not well-formed XML: {error}") from None
    if root.tag != "Notification":
        raise CallbackParseError(f"root element must be <Notification>, got <{root.tag}>")
    return root


def _xml_text(parent: Element, tag: str) -> str | None:
    child = parent.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def _xml_timestamp(text: str | None, where: str) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError:
        raise CallbackParseError(f"{where} is not a timestamp: {text!r}") from None


def _xml_numbers(root: Element, list_tag: str) -> tuple[str, ...]:
    container = root.find(list_tag)
    if container is None:
        return ()
    return tuple(
        _e164(element.text or "", f"Notification.{list_tag}")
        for element in container.iter()
        if element.tag in _NUMBER_TAGS
    )


def _xml_errors(root: Element) -> tuple[NotificationError, ...]:
    errors = []
    for error in root.iter("Error"):
        number = _xml_text(error, "TelephoneNumber")
        errors.append(
            NotificationError(
                code=_xml_text(error, "Code"),
                description=_xml_text(error, "Description"),
                telephone_number=None
                if number is None
                else _e164(number, "Notification.ErrorList.Error.TelephoneNumber"),
            )
        )
    return tuple(errors)


def _e164(text: str, where: str) -> str:
    """Dashboard numbers are 10-digit NANP (`9192286710`); Parley stores E.164."""
    digits = text.strip()
    if re.fullmatch(r"\d{10}", digits):
        return f"+1{digits}"
    if re.fullmatch(r"1\d{10}", digits):
        return f"+{digits}"
    if re.fullmatch(r"\+[1-9]\d{6,14}", digits):
        return digits
    raise CallbackParseError(f"{where} has a value that is not a telephone number: {text!r}")
