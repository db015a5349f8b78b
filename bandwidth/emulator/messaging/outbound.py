"""Sending a message: validation, the queue limits, and the status callbacks that follow.

Reserved destinations fail instead of being delivered: ``+1919555CCCC`` where ``CCCC`` is one
of :data:`RESERVED_FAILURES` gets a ``message-failed`` callback with error code ``CCCC`` (for
example ``+19195554720`` → 4720 invalid-destination-address, ``+19195554775`` → 4775 opt-out).
They are valid US numbers, so an application that refuses numbers outside the numbering plan
(Parley's toll-fraud rules) can still reach them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import json_response, messaging_error, request_json, utc_now_iso
from bandwidth.emulator.messaging.common import (
    MESSAGES_PATH,
    _parse_rfc3339,
    is_e164,
    new_message_id,
    routes,
)
from bandwidth.emulator.segments import segment_count
from bandwidth.emulator.state import Application, StoredMessage

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

MAX_RECIPIENTS = 10
MAX_TEXT = 2048
MAX_MEDIA_URL = 4096
MAX_TAG = 1024
RESERVED_FAILURE_PREFIX = "+1919555"
RESERVED_FAILURES: dict[int, str] = {
    4301: "malformed-invalid-encoding",
    4404: "rejected-forbidden-to-number",
    4406: "rejected-unallocated-to-number",
    4470: "rejected-spam-detected",
    4720: "invalid-destination-address",
    4750: "destination-rejected-message",
    4770: "destination-spam-detected",
    4775: "destination-rejected-due-to-user-opt-out",
    4785: "volumetric-violation",
    5100: "temporary-app-error",
    5600: "destination-carrier-queue-full",
    5999: "unknown-error",
    9902: "delivery-receipt-expired",
}
EXPIRED = (4360, "message-not-sent-expiration-date-passed")
DELIVERED_DESCRIPTION = "Message delivered to carrier"


def reserved_failure(number: str) -> tuple[int, str] | None:
    if not number.startswith(RESERVED_FAILURE_PREFIX) or len(number) != 12:
        return None
    code = int(number[-4:])
    description = RESERVED_FAILURES.get(code)
    return (code, description) if description else None


def _field_error(name: str, description: str) -> dict[str, str]:
    return {"fieldName": name, "description": description}


def _request_validation(field_errors: list[dict[str, str]]) -> Response:
    return messaging_error(
        400, "request-validation", "Your request could not be accepted", field_errors
    )


@dataclass(frozen=True)
class MessageRequest:
    application_id: str
    to: list[str]
    from_: str
    text: str
    media: list[str]
    tag: str | None
    priority: str | None
    expiration: str | None


def _validate_shape(body: Any) -> tuple[MessageRequest | None, list[dict[str, str]]]:
    """Checks that need nothing but the body."""
    if not isinstance(body, dict):
        return None, [_field_error("body", "The request body must be a JSON object")]
    errors: list[dict[str, str]] = []
    for name in ("applicationId", "to", "from"):
        if body.get(name) in (None, "", []):
            errors.append(_field_error(name, f"'{name}' must not be empty"))
    application_id = body.get("applicationId")
    if application_id is not None and not isinstance(application_id, str):
        errors.append(_field_error("applicationId", "'applicationId' must be a string"))
    to = body.get("to")
    recipients = [to] if isinstance(to, str) else to
    if to is not None and not isinstance(recipients, list):
        errors.append(_field_error("to", "'to' must be an array of telephone numbers"))
        recipients = []
    errors.extend(_recipient_errors(recipients or []))
    from_ = body.get("from")
    if from_ and not is_e164(from_):
        errors.append(
            _field_error(
                "from", f"'{from_}' must be replaced with a valid E164 formatted telephone number"
            )
        )
    errors.extend(_content_errors(body))
    if errors:
        return None, errors
    return (
        MessageRequest(
            application_id=str(application_id),
            to=list(recipients or []),
            from_=str(from_),
            text=body.get("text") or "",
            media=list(body.get("media") or []),
            tag=body.get("tag"),
            priority=body.get("priority"),
            expiration=body.get("expiration"),
        ),
        [],
    )


def _recipient_errors(recipients: list[Any]) -> list[dict[str, str]]:
    errors = []
    if len(recipients) > MAX_RECIPIENTS:
        errors.append(
            _field_error("to", f"'to' must contain at most {MAX_RECIPIENTS} telephone numbers")
        )
    if len(set(map(str, recipients))) != len(recipients):
        errors.append(_field_error("to", "'to' must not contain duplicate telephone numbers"))
    for number in recipients:
        if not is_e164(number):
            errors.append(
                _field_error(
                    "to",
                    f"'{number}' must be replaced with a valid E164 formatted telephone number",
                )
            )
    return errors


def _content_errors(body: dict[str, Any]) -> list[dict[str, str]]:
    errors = []
    text = body.get("text")
    media = body.get("media")
    if text is not None and not isinstance(text, str):
        errors.append(_field_error("text", "'text' must be a string"))
    elif isinstance(text, str) and len(text) > MAX_TEXT:
        errors.append(_field_error("text", f"'text' must be {MAX_TEXT} characters or less"))
    if media is not None and (
        not isinstance(media, list) or not all(isinstance(u, str) for u in media)
    ):
        errors.append(_field_error("media", "'media' must be an array of URLs"))
    elif media:
        if any(len(url) > MAX_MEDIA_URL for url in media):
            errors.append(
                _field_error("media", f"Each media URL must be {MAX_MEDIA_URL} characters or less")
            )
        if any(not url.startswith(("http://", "https://")) for url in media):
            errors.append(_field_error("media", "Each media entry must be an http(s) URL"))
    if not text and not media:
        errors.append(_field_error("text", "'text' or 'media' must be provided"))
    tag = body.get("tag")
    if tag is not None and (not isinstance(tag, str) or len(tag) > MAX_TAG):
        errors.append(
            _field_error("tag", f"'tag' must be a string of {MAX_TAG} characters or less")
        )
    priority = body.get("priority")
    if priority is not None and priority not in ("default", "high"):
        errors.append(_field_error("priority", "'priority' must be one of [default, high]"))
    expiration = body.get("expiration")
    if expiration is not None:
        parsed = _parse_rfc3339(expiration) if isinstance(expiration, str) else None
        if parsed is None:
            errors.append(_field_error("expiration", "'expiration' must be an RFC-3339 date-time"))
        elif parsed <= datetime.now(UTC):
            errors.append(_field_error("expiration", "'expiration' must be in the future"))
    return errors


def _validate_sender(emu: Emulator, request: MessageRequest) -> list[dict[str, str]]:
    """Checks against the account: the from number, its location and its application."""
    state = emu.state
    with state.lock:
        number = state.number_in_service(request.from_)
        peer = state.peer_of_number(request.from_)
        if number is None or peer is None:
            return [
                _field_error(
                    "from",
                    f"'{request.from_}' must be a telephone number in service on account "
                    f"{emu.config.account_id}",
                )
            ]
        if peer.messaging_application_id != request.application_id:
            return [
                _field_error(
                    "applicationId",
                    f"'{request.application_id}' is not the messaging application of the "
                    f"location of '{request.from_}'",
                )
            ]
        mms = bool(request.media) or len(request.to) > 1
        if not peer.sms_enabled or (mms and not peer.mms_enabled):
            product = "MMS" if mms else "SMS"
            return [
                _field_error(
                    "from", f"{product} is not enabled on the location of '{request.from_}'"
                )
            ]
    return []


@routes.route(MESSAGES_PATH, methods=["POST"])
def create_message(emu: Emulator, request: Request, account_id: str) -> Response:
    if request.mimetype != "application/json":
        content_type = request.headers.get("Content-Type") or "none"
        return messaging_error(
            415,
            "unsupported-content-type",
            f"Content type '{content_type}' not supported. Please use 'application/json'",
        )
    try:
        body = request_json(request)
    except ValueError:
        return messaging_error(400, "request-validation", "Malformed JSON request body")
    message_request, errors = _validate_shape(body)
    if message_request is None:
        return _request_validation(errors)
    errors = _validate_sender(emu, message_request)
    if errors:
        return _request_validation(errors)
    mms = bool(message_request.media) or len(message_request.to) > 1
    segments = 1 if mms else segment_count(message_request.text)
    refusal = emu.message_limiter.admit(message_request.from_, segments)
    if refusal is not None:
        per_minute = round(refusal.rate * 60)
        return messaging_error(
            429,
            "max-message-queue-size-exceeded",
            f"The {'SMS' if not mms else 'MMS'} queue for your {refusal.scope} is full and cannot "
            f"accept more messages right now. Your allowed rate is {per_minute} segments per "
            f"minute. The capacity of this queue is {math.floor(refusal.capacity)} segments.",
            headers={"Retry-After": str(refusal.retry_after)},
        )
    message = StoredMessage(
        id=new_message_id(),
        owner=message_request.from_,
        application_id=message_request.application_id,
        time=utc_now_iso(),
        direction="out",
        from_=message_request.from_,
        to=message_request.to,
        text=message_request.text,
        media=message_request.media,
        tag=message_request.tag,
        priority=message_request.priority,
        expiration=message_request.expiration,
        segment_count=segments,
        statuses={recipient: "QUEUED" for recipient in message_request.to},
    )
    with emu.state.lock:
        emu.state.messages[message.id] = message
    _schedule_status_callbacks(emu, message)
    return json_response(message.as_message_schema(), 202)


def _failure(emu: Emulator, message: StoredMessage, recipient: str) -> tuple[int, str] | None:
    """Why delivery to ``recipient`` fails: the sender's registration (4773 / 4795), a reserved
    destination, or an expiration that passed while the message was queued."""
    refusal = emu.state.compliance_refusal(message.from_)
    if refusal is not None:
        return refusal
    expiration = _parse_rfc3339(message.expiration) if message.expiration else None
    if expiration is not None and expiration <= datetime.now(UTC):
        return EXPIRED
    return reserved_failure(recipient)


def _callback_message(message: StoredMessage) -> dict[str, Any]:
    """The ``message`` of a status callback: Bandwidth does not keep the text."""
    body = message.as_message_schema()
    body["text"] = ""
    body.pop("expiration", None)
    return body


def _schedule_status_callbacks(emu: Emulator, message: StoredMessage) -> None:
    delay = emu.config.message_status_delay
    mms = message.message_type == "mms"
    for recipient in message.to:
        if mms:
            emu.scheduler.call_later(
                delay, partial(_status_event, emu, message, recipient, "message-sending")
            )
        schedule_final_status(emu, message, recipient)


def schedule_final_status(emu: Emulator, message: StoredMessage, recipient: str) -> None:
    """The delivered (or failed) callback for ``recipient``, after the usual delay."""
    emu.scheduler.call_later(
        emu.config.message_status_delay * 2,
        partial(_final_status_event, emu, message, recipient),
    )


def _final_status_event(emu: Emulator, message: StoredMessage, recipient: str) -> None:
    failed = _failure(emu, message, recipient) is not None
    _status_event(emu, message, recipient, "message-failed" if failed else "message-delivered")


def _status_event(emu: Emulator, message: StoredMessage, recipient: str, kind: str) -> None:
    event: dict[str, Any] = {
        "time": utc_now_iso(),
        "type": kind,
        "to": recipient,
        "description": "Message is sending to carrier",
        "message": _callback_message(message),
    }
    with emu.state.lock:
        if kind == "message-sending":
            message.statuses[recipient] = "SENDING"
        elif kind == "message-delivered":
            message.statuses[recipient] = "DELIVERED"
            event["description"] = DELIVERED_DESCRIPTION
        else:
            code, description = _failure(emu, message, recipient) or (5999, "unknown-error")
            message.statuses[recipient] = "FAILED"
            message.error_codes[recipient] = code
            event["description"] = description
            event["errorCode"] = code
        application = emu.state.applications.get(message.application_id)
    if application is None or not _wants(application, kind):
        return
    url = application.outbound_callback_url
    if url:
        emu.callbacks.deliver(
            url, json_body=[event], credentials=application.outbound_credentials, kind=kind
        )


def _wants(application: Application, kind: str) -> bool:
    wanted = application.requested_callback_types
    return not wanted or kind in wanted
