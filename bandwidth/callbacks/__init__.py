"""Typed parsing of Bandwidth webhook bodies: messaging v2, voice v2 and Numbers notifications.

Every problem with a body is reported as one `CallbackParseError` whose message names the
offending field, so a webhook view can answer 400 with that message.

Legacy v1 ("Catapult") callbacks are not accepted: Bandwidth retired v1 and new accounts only get
v2. Their shapes (messaging `eventType` sms/mms; voice `eventType` incomingcall/hangup/… with
`callUri`) are detected explicitly and raise `LegacyCallbackError` instead of a vaguer error.
"""

from bandwidth.callbacks.messaging import (
    CallbackMessage,
    MessageReceived,
    MessageStatusEvent,
    MessagingElements,
    MessagingEvent,
    RejectedElement,
    UnknownMessagingEvent,
    parse_messaging_callbacks,
    parse_messaging_elements,
)
from bandwidth.callbacks.notifications import (
    NotificationError,
    NumbersNotification,
    parse_numbers_notification,
)
from bandwidth.callbacks.readers import (
    CallbackParseError,
    LegacyCallbackError,
    parse_iso_duration,
    parse_timestamp,
)
from bandwidth.callbacks.voice import (
    AnswerEvent,
    DisconnectEvent,
    Diversion,
    DtmfEvent,
    GatherEvent,
    InitiateEvent,
    MachineDetectionCompleteEvent,
    MachineDetectionResult,
    RecordCompleteEvent,
    RecordingAvailableEvent,
    RedirectEvent,
    StirShaken,
    Transcription,
    TranscriptionAvailableEvent,
    TransferAnswerEvent,
    TransferCompleteEvent,
    TransferDisconnectEvent,
    UnknownVoiceEvent,
    VoiceEvent,
    is_synchronous,
    parse_voice_callback,
)

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
    "MessagingElements",
    "MessagingEvent",
    "NotificationError",
    "NumbersNotification",
    "RecordCompleteEvent",
    "RecordingAvailableEvent",
    "RedirectEvent",
    "RejectedElement",
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
    "parse_messaging_elements",
    "parse_numbers_notification",
    "parse_timestamp",
    "parse_voice_callback",
]
