"""Messaging v2 callbacks: a JSON array of message events."""

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
    _opt_str_tuple,
    _opt_time,
    _reject_legacy,
    _req_int,
    _req_str,
    _req_str_tuple,
    _req_time,
)


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


@dataclass(frozen=True, kw_only=True)
class RejectedElement:
    """An element of a messaging body that is not a well-formed callback, as it came.

    ``type``, ``to`` and ``owner`` are read as far as the element allows (``None`` otherwise), so
    the element can still be keyed, routed and shown.
    """

    index: int
    raw: Any
    reason: str

    @property
    def type(self) -> str | None:
        return _text(self.raw, "type")

    @property
    def to(self) -> str | None:
        return _text(self.raw, "to")

    @property
    def owner(self) -> str | None:
        message = self.raw.get("message") if isinstance(self.raw, dict) else None
        return _text(message, "owner")


@dataclass(frozen=True, kw_only=True)
class MessagingElements:
    """A messaging body read element by element: the good events and the rejected elements."""

    events: list[MessagingEvent]
    rejects: list[RejectedElement]


def parse_messaging_callbacks(body: bytes | str) -> list[MessagingEvent]:
    """Events in a messaging webhook body: a JSON array (as sent) or a single bare object.

    The first malformed element raises; ``parse_messaging_elements`` keeps the others instead.
    """
    return [_messaging_event(item, index) for index, item in enumerate(_messaging_items(body))]


def parse_messaging_elements(body: bytes | str) -> MessagingElements:
    """Every element of a messaging body on its own: one bad element costs only itself.

    Only a body that is not JSON, or neither an array nor an object, raises
    `CallbackParseError`. Any failure while reading an element (even an unexpected exception, so
    a parser bug cannot cost the valid elements beside it) makes that element a reject. A
    reject's reason speaks of the element alone ("message-received.message.id is missing"), so it
    reads the same wherever the element is read again; its position is ``index``.
    """
    events: list[MessagingEvent] = []
    rejects: list[RejectedElement] = []
    for index, item in enumerate(_messaging_items(body)):
        try:
            events.append(_messaging_event(item, None))
        except CallbackParseError as error:
            rejects.append(RejectedElement(index=index, raw=item, reason=str(error)))
        except Exception as error:
            reason = f"element could not be read ({type(error).__name__}: {error})"
            rejects.append(RejectedElement(index=index, raw=item, reason=reason))
    return MessagingElements(events=events, rejects=rejects)


def _messaging_items(body: bytes | str) -> list[Any]:
    data = _load_json(body)
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    raise CallbackParseError(f"body must be a JSON array or object, got {type(data).__name__}")


def _text(obj: Any, key: str) -> str | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else None


def _messaging_event(item: Any, index: int | None) -> MessagingEvent:
    """One element; errors name it by its ``index`` in the body, or as "element" when None."""
    where = "element" if index is None else f"[{index}]"
    if not isinstance(item, dict):
        raise CallbackParseError(f"{where} must be an object, got {type(item).__name__}")
    _reject_legacy(item, where)
    event_type = _req_str(item, "type", where)
    path = event_type if index is None else f"{event_type}[{index}]"
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
