"""Executes a call's BXML verb by verb, as Bandwidth does, against one call leg.

The interpreter knows the verbs' semantics (which webhook each verb sends, with which fields,
which reply BXML runs next, how tags change, how Gather collects digits). Everything that needs
time, the far end or HTTP is asked of the leg (``CallLeg``), so it can be exercised on its own.
"""

from bandwidth.emulator.bxml_interpreter.interpreter import (
    PLAY_AUDIO_SECONDS,
    SPOKEN_WORDS_PER_SECOND,
    BxmlInterpreter,
    recording_fields,
)
from bandwidth.emulator.bxml_interpreter.model import (
    CallbackFailed,
    CallEnded,
    CallLeg,
    ControlReplaced,
    Document,
    InvalidBxml,
    RecordingFacts,
    RecordingRequest,
    RecordRequest,
    TransferOutcome,
    TransferRequest,
    TransferTarget,
    Verb,
    Webhook,
)
from bandwidth.emulator.bxml_interpreter.parsing import (
    AUDIO_VERBS,
    CALLBACK_METHODS,
    DTMF_CHARACTERS,
    EXECUTED_VERBS,
    MAX_BXML_BYTES,
    MAX_TRANSFER_TARGETS,
    METHOD_ATTRIBUTES,
    NOTED_VERBS,
    NUMBER_RANGES,
    TRANSFER_TARGETS,
    parse_document,
)

__all__ = [
    "AUDIO_VERBS",
    "CALLBACK_METHODS",
    "DTMF_CHARACTERS",
    "EXECUTED_VERBS",
    "MAX_BXML_BYTES",
    "MAX_TRANSFER_TARGETS",
    "METHOD_ATTRIBUTES",
    "NOTED_VERBS",
    "NUMBER_RANGES",
    "PLAY_AUDIO_SECONDS",
    "SPOKEN_WORDS_PER_SECOND",
    "TRANSFER_TARGETS",
    "BxmlInterpreter",
    "CallEnded",
    "CallLeg",
    "CallbackFailed",
    "ControlReplaced",
    "Document",
    "InvalidBxml",
    "RecordRequest",
    "RecordingFacts",
    "RecordingRequest",
    "TransferOutcome",
    "TransferRequest",
    "TransferTarget",
    "Verb",
    "Webhook",
    "parse_document",
    "recording_fields",
]
