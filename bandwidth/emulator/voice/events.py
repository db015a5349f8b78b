"""Voice webhook facts: each event's properties in bandwidth.yml, disconnect causes."""

from __future__ import annotations

from typing import Any

ERROR_CAUSES = ("callback-error", "invalid-bxml", "application-error", "error")
SIP_RESPONSE_CODES = {"busy": 486, "rejected": 603}
CAUSE_MESSAGES = {
    "busy": "Callee is busy",
    "rejected": "Call was rejected by the callee",
    "timeout": "Call was not answered before the call timeout",
}

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


def _drop_nulls(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if value is not None}


def shape_event(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Keep exactly the properties bandwidth.yml gives this event (absent rather than null)."""
    allowed = EVENT_FIELDS.get(event_type)
    body = _drop_nulls(payload)
    if allowed is None:
        return body
    return {key: value for key, value in body.items() if key in allowed}
