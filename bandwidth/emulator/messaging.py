"""Messaging v2: create/list messages, media, and the message callbacks that follow.

Reserved destinations fail instead of being delivered: ``+1555000CCCC`` where ``CCCC`` is one
of :data:`RESERVED_FAILURES` gets a ``message-failed`` callback with error code ``CCCC`` (for
example ``+15550004720`` → 4720 invalid-destination-address, ``+15550004775`` → 4775 opt-out).
"""

from __future__ import annotations

import base64
import math
import re
import secrets
import string
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import (
    Routes,
    empty_response,
    json_response,
    list_rate_limited,
    messaging_error,
    messaging_not_found,
    request_json,
    utc_now_iso,
)
from bandwidth.emulator.segments import segment_count
from bandwidth.emulator.state import Application, MediaItem, StoredMessage

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

routes = Routes(api="messaging")

MESSAGES_PATH = "/api/v2/users/<account_id>/messages"
MEDIA_PATH = "/api/v2/users/<account_id>/media"
MAX_RECIPIENTS = 10
MAX_TEXT = 2048
MAX_MEDIA_URL = 4096
MAX_TAG = 1024
MEDIA_PAGE_SIZE = 1000
LIST_DEFAULT_LIMIT = 100
LIST_MAX_RANGE = timedelta(days=14)
RESERVED_FAILURE_PREFIX = "+1555000"
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
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
NANP = re.compile(r"^\+1\d{10}$")
BASE36 = string.digits + string.ascii_lowercase
DELIVERED_DESCRIPTION = "Message delivered to carrier"
SUPPORTED_MEDIA_TYPES = frozenset(
    (
        "application/json",
        "application/ogg",
        "application/pdf",
        "application/rtf",
        "application/zip",
        "application/x-tar",
        "application/xml",
        "application/gzip",
        "application/x-bzip2",
        "application/x-gzip",
        "application/smil",
        "application/javascript",
        "application/octet-stream",
        "audio/mp4",
        "audio/mpeg",
        "audio/ogg",
        "audio/flac",
        "audio/webm",
        "audio/wav",
        "audio/amr",
        "audio/3gpp",
        "image/bmp",
        "image/gif",
        "image/heic",
        "image/heif",
        "image/jpeg",
        "image/pjpeg",
        "image/png",
        "image/svg+xml",
        "image/tiff",
        "image/webp",
        "image/x-icon",
        "text/css",
        "text/csv",
        "text/calendar",
        "text/html",
        "text/plain",
        "text/javascript",
        "text/vcard",
        "text/vnd.wap.wml",
        "text/xml",
        "video/avi",
        "video/mp4",
        "video/mpeg",
        "video/ogg",
        "video/quicktime",
        "video/webm",
        "video/x-ms-wmv",
        "video/x-flv",
    )
)


def new_message_id() -> str:
    """Epoch milliseconds followed by 16 random base36 characters, as Bandwidth's ids look."""
    suffix = "".join(secrets.choice(BASE36) for _ in range(16))
    return f"{int(time.time() * 1000)}{suffix}"


def is_e164(value: object) -> bool:
    if not isinstance(value, str) or not E164.match(value):
        return False
    return not value.startswith("+1") or bool(NANP.match(value))


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


def _parse_rfc3339(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


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


def _failure(message: StoredMessage, recipient: str) -> tuple[int, str] | None:
    """Why delivery to ``recipient`` fails: a reserved destination, or an expiration that
    passed while the message was queued."""
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
    failed = _failure(message, recipient) is not None
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
            code, description = _failure(message, recipient) or (5999, "unknown-error")
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


# --- inbound (used by the simulation endpoints) ---


@dataclass(frozen=True)
class InboundMedia:
    filename: str
    content_type: str
    content: bytes


def receive_inbound(
    emu: Emulator,
    from_: str,
    to: list[str],
    text: str,
    media: list[InboundMedia] | None = None,
) -> list[StoredMessage]:
    """Deliver an inbound message: one ``message-received`` per recipient this account owns,
    each with its own message id and ``owner`` = that recipient. Raises ``ValueError`` when
    no recipient is a number with a messaging application on this account."""
    owned = [n for n in to if emu.state.messaging_application_for_number(n) is not None]
    if not owned:
        raise ValueError("no recipient is a number in service with a messaging application")
    media = media or []
    is_mms = bool(media) or len(to) > 1
    stored = []
    for recipient in owned:
        application = emu.state.messaging_application_for_number(recipient)
        assert application is not None
        message_id = new_message_id()
        media_urls = [_store_inbound_media(emu, message_id, i, m) for i, m in enumerate(media)]
        message = StoredMessage(
            id=message_id,
            owner=recipient,
            application_id=application.id,
            time=utc_now_iso(),
            direction="in",
            from_=from_,
            to=list(to),
            text=text,
            media=media_urls,
            tag=None,
            priority=None,
            expiration=None,
            segment_count=1 if is_mms else segment_count(text),
            statuses={recipient: "RECEIVED"},
        )
        with emu.state.lock:
            emu.state.messages[message.id] = message
        stored.append(message)
        event = {
            "time": message.time,
            "type": "message-received",
            "to": recipient,
            "description": "Incoming message received",
            "message": message.as_message_schema(),
        }
        url = application.inbound_callback_url
        if url:
            emu.callbacks.deliver(
                url,
                json_body=[event],
                credentials=application.inbound_credentials,
                kind="message-received",
            )
    return stored


def _store_inbound_media(emu: Emulator, message_id: str, index: int, media: InboundMedia) -> str:
    name = f"{message_id}/{index}/{media.filename}"
    with emu.state.lock:
        emu.state.media[name] = MediaItem(name, media.content, media.content_type)
    return f"{emu.messaging_base()}/media/{name}"


# --- list ---


def _list_rows(emu: Emulator) -> list[dict[str, Any]]:
    rows = []
    with emu.state.lock:
        messages = list(emu.state.messages.values())
    for message in messages:
        recipients = [message.owner] if message.direction == "in" else message.to
        for recipient in recipients:
            rows.append(_list_item(emu, message, recipient))
    return rows


def _list_item(emu: Emulator, message: StoredMessage, recipient: str) -> dict[str, Any]:
    return {
        "messageId": message.id,
        "accountId": emu.config.account_id,
        "sourceTn": message.from_,
        "destinationTn": recipient,
        "messageStatus": message.statuses.get(recipient, "QUEUED"),
        "messageDirection": "INBOUND" if message.direction == "in" else "OUTBOUND",
        "messageType": message.message_type,
        "segmentCount": message.segment_count,
        "errorCode": message.error_codes.get(recipient, 0),
        "receiveTime": message.time,
        "carrierName": None,
        "messageSize": len(message.text.encode()) if message.text else None,
        "messageLength": len(message.text),
        "attachmentCount": len(message.media),
        "recipientCount": len(message.to),
        "campaignClass": None,
        "campaignId": None,
        "bwLatency": None,
        "carrierLatency": None,
        "callingNumberCountryA3": None,
        "calledNumberCountryA3": None,
        "product": None,
        "location": None,
    }


def _number_filter(value: str) -> Any:
    numbers = [n.strip() for n in value.split(",") if n.strip()]
    if len(numbers) == 1 and not is_e164(numbers[0]):
        prefix = numbers[0]
        return lambda tn: tn.startswith(prefix)
    return lambda tn: tn in numbers


LIST_FILTERS = (
    "messageId",
    "sourceTn",
    "destinationTn",
    "messageStatus",
    "messageDirection",
    "messageType",
    "errorCode",
    "fromDateTime",
    "toDateTime",
    "carrierName",
)


def _list_error(description: str) -> Response:
    return messaging_error(400, "request-validation", description)


@routes.route(MESSAGES_PATH, methods=["GET"])
def list_messages(emu: Emulator, request: Request, account_id: str) -> Response:
    wait = emu.list_limiter.admit(request.remote_addr or "")
    if wait is not None:
        return list_rate_limited(wait)
    args = request.args
    if not any(args.get(name) for name in LIST_FILTERS):
        return _list_error("At least one query parameter must be provided")
    rows = _list_rows(emu)
    for name, key in (("sourceTn", "sourceTn"), ("destinationTn", "destinationTn")):
        value = args.get(name)
        if value:
            if len(value) < 5:
                return _list_error(f"'{name}' must be at least 5 characters")
            matches = _number_filter(value)
            rows = [row for row in rows if matches(row[key])]
    for name in ("messageId", "messageStatus", "messageDirection", "messageType"):
        value = args.get(name)
        if value:
            rows = [row for row in rows if str(row[name]) == value]
    error_code = args.get("errorCode")
    if error_code:
        if not error_code.isdigit():
            return _list_error("'errorCode' must be an integer")
        rows = [row for row in rows if row["errorCode"] == int(error_code)]
    since, until = args.get("fromDateTime"), args.get("toDateTime")
    since_at = _parse_rfc3339(since.replace(" ", "T")) if since else None
    until_at = _parse_rfc3339(until.replace(" ", "T")) if until else None
    if (since and since_at is None) or (until and until_at is None):
        return _list_error("'fromDateTime' and 'toDateTime' must be ISO 8601 date-times")
    if since_at and until_at and until_at - since_at > LIST_MAX_RANGE:
        return _list_error("The date range to search in must be 14 days or less")
    if since_at:
        rows = [r for r in rows if _received_at(r) >= since_at]
    if until_at:
        rows = [r for r in rows if _received_at(r) <= until_at]
    return _paged_list(request, rows)


def _received_at(row: dict[str, Any]) -> datetime:
    return _parse_rfc3339(row["receiveTime"]) or datetime.now(UTC)


def _paged_list(request: Request, rows: list[dict[str, Any]]) -> Response:
    sort = request.args.get("sort", "receiveTime:desc")
    field_name, _, direction = sort.partition(":")
    if field_name in ("receiveTime", "sourceTn", "destinationTn", "messageStatus", "messageId"):
        rows.sort(key=lambda row: str(row[field_name]), reverse=direction != "asc")
    limit_text = request.args.get("limit", str(LIST_DEFAULT_LIMIT))
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= 10000:
        return _list_error("'limit' must be an integer between 1 and 10000")
    limit = int(limit_text)
    offset = _decode_page_token(request.args.get("pageToken"))
    if offset is None:
        return _list_error("'pageToken' is invalid")
    page = rows[offset : offset + limit]
    page_info: dict[str, str] = {}
    base = request.base_url
    others = [(k, v) for k, v in request.args.items(multi=True) if k != "pageToken"]
    query = "&".join(f"{k}={v}" for k, v in others)
    if offset + limit < len(rows):
        token = _encode_page_token(offset + limit)
        page_info["nextPageToken"] = token
        page_info["nextPage"] = f"{base}?{query}&pageToken={token}"
    if offset > 0:
        token = _encode_page_token(max(0, offset - limit))
        page_info["prevPageToken"] = token
        page_info["prevPage"] = f"{base}?{query}&pageToken={token}"
    return json_response({"totalCount": len(rows), "pageInfo": page_info, "messages": page})


def _encode_page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_page_token(token: str | None) -> int | None:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except ValueError:
        return None
    prefix, _, number = text.partition(":")
    return int(number) if prefix == "offset" and number.isdigit() else None


# --- media ---


def _media_not_found(request: Request) -> Response:
    return messaging_not_found(request.path)


@routes.route(MEDIA_PATH + "/<path:media_id>", methods=["PUT"])
def upload_media(emu: Emulator, request: Request, account_id: str, media_id: str) -> Response:
    content_type = request.mimetype or "application/octet-stream"
    if content_type not in SUPPORTED_MEDIA_TYPES:
        return messaging_error(
            415, "unsupported-media-type", f"Content type '{content_type}' is not supported"
        )
    length = request.content_length
    limit = emu.config.max_media_bytes
    if length is not None and length > limit:
        return messaging_error(400, "request-validation", _too_large(limit))
    content = request.stream.read(limit + 1)
    if len(content) > limit:
        return messaging_error(400, "request-validation", _too_large(limit))
    with emu.state.lock:
        emu.state.media[media_id] = MediaItem(
            media_id, content, content_type, request.headers.get("Cache-Control")
        )
    return empty_response(204)


def _too_large(limit: int) -> str:
    return f"Media files must be {limit / 1024 / 1024:.2f} MB or smaller"


@routes.route(MEDIA_PATH + "/<path:media_id>", methods=["GET"])
def get_media(emu: Emulator, request: Request, account_id: str, media_id: str) -> Response:
    with emu.state.lock:
        item = emu.state.media.get(media_id)
    if item is None:
        return _media_not_found(request)
    headers = {}
    if item.cache_control:
        headers["Cache-Control"] = item.cache_control
    return Response(item.content, status=200, content_type=item.content_type, headers=headers)


@routes.route(MEDIA_PATH + "/<path:media_id>", methods=["DELETE"])
def delete_media(emu: Emulator, request: Request, account_id: str, media_id: str) -> Response:
    with emu.state.lock:
        removed = emu.state.media.pop(media_id, None)
    if removed is None:
        return _media_not_found(request)
    return empty_response(204)


@routes.route(MEDIA_PATH, methods=["GET"])
def list_media(emu: Emulator, request: Request, account_id: str) -> Response:
    with emu.state.lock:
        names = sorted(emu.state.media)
        items = {name: len(emu.state.media[name].content) for name in names}
    token = request.headers.get("Continuation-Token")
    start = 0
    if token:
        start = next((i for i, name in enumerate(names) if name > _decode_name(token)), len(names))
    page = names[start : start + MEDIA_PAGE_SIZE]
    body = [
        {
            "contentLength": items[name],
            "mediaName": name,
            "content": f"{emu.messaging_base()}/media/{name}",
        }
        for name in page
    ]
    headers = {}
    if start + MEDIA_PAGE_SIZE < len(names):
        headers["Continuation-Token"] = base64.urlsafe_b64encode(page[-1].encode()).decode()
    return json_response(body, 200, headers)


def _decode_name(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except ValueError:
        return ""
