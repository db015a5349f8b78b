"""``GET /messages``: filters, sorting and page tokens over every message of the account."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import json_response, list_rate_limited, messaging_error
from bandwidth.emulator.messaging.common import MESSAGES_PATH, _parse_rfc3339, is_e164, routes
from bandwidth.emulator.state import StoredMessage

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

LIST_DEFAULT_LIMIT = 100
LIST_MAX_RANGE = timedelta(days=14)


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
