"""Messaging API v2: send messages, manage media, list messages for reconciliation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests

from bandwidth.client.json_fields import (
    json_array,
    json_object,
    optional_int,
    optional_str,
)
from bandwidth.client.transport import Transport
from bandwidth.errors import PermanentError, TransientError

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class SentMessage:
    """Bandwidth's 202 answer: the message is queued, not yet sent."""

    id: str
    owner: str
    application_id: str
    time: str
    segment_count: int
    direction: str
    to: tuple[str, ...]
    from_: str
    media: tuple[str, ...]
    text: str
    tag: str | None
    priority: str | None
    expiration: str | None


@dataclass(frozen=True)
class MediaItem:
    media_name: str
    content_length: int | None
    content: str


@dataclass(frozen=True)
class MediaPage:
    items: tuple[MediaItem, ...]
    continuation_token: str | None


@dataclass(frozen=True)
class MessageRecord:
    message_id: str
    account_id: str | None
    source_tn: str | None
    destination_tn: str | None
    message_status: str | None
    message_direction: str | None
    message_type: str | None
    segment_count: int | None
    error_code: int | None
    receive_time: str | None
    carrier_name: str | None


@dataclass(frozen=True)
class MessagePage:
    total_count: int | None
    messages: tuple[MessageRecord, ...]
    next_page_token: str | None
    prev_page_token: str | None


class MessagingApi:
    def __init__(self, transport: Transport, base_url: str, account_id: str) -> None:
        self._transport = transport
        self._base_url = base_url.rstrip("/")
        self._account_id = account_id

    @property
    def _account_url(self) -> str:
        return f"{self._base_url}/users/{quote(self._account_id, safe='')}"

    def send_message(
        self,
        *,
        application_id: str,
        from_: str,
        to: list[str],
        text: str | None = None,
        media: list[str] | None = None,
        tag: str | None = None,
        priority: str | None = None,
        expiration: str | None = None,
    ) -> SentMessage:
        body: dict[str, Any] = {"applicationId": application_id, "to": list(to), "from": from_}
        optional = {
            "text": text,
            "media": list(media) if media else None,
            "tag": tag,
            "priority": priority,
            "expiration": expiration,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        response = self._transport.request("POST", f"{self._account_url}/messages", json=body)
        return _sent_message(json_object(response))

    def list_messages(
        self,
        *,
        message_id: str | None = None,
        source_tn: str | None = None,
        destination_tn: str | None = None,
        message_status: str | None = None,
        message_direction: str | None = None,
        from_date_time: str | None = None,
        to_date_time: str | None = None,
        page_token: str | None = None,
        limit: int | None = None,
    ) -> MessagePage:
        filters = {
            "messageId": message_id,
            "sourceTn": source_tn,
            "destinationTn": destination_tn,
            "messageStatus": message_status,
            "messageDirection": message_direction,
            "fromDateTime": from_date_time,
            "toDateTime": to_date_time,
            "pageToken": page_token,
            "limit": limit,
        }
        params = {key: value for key, value in filters.items() if value is not None}
        response = self._transport.request("GET", f"{self._account_url}/messages", params=params)
        return _message_page(json_object(response))

    def upload_media(self, media_id: str, content: bytes, content_type: str) -> None:
        self._transport.request(
            "PUT",
            self._media_url(media_id),
            data=content,
            headers={"Content-Type": content_type},
        )

    def download_media(self, media_id: str, *, max_bytes: int | None = None) -> tuple[bytes, str]:
        """The media's bytes and type; more than max_bytes raises PermanentError unread."""
        url = self._media_url(media_id)
        response = self._transport.request("GET", url, stream=max_bytes is not None)
        content_type = response.headers.get("Content-Type", "application/octet-stream")
        if max_bytes is None:
            return response.content, content_type
        with response:
            return _read_at_most(response, max_bytes), content_type

    def delete_media(self, media_id: str) -> None:
        self._transport.request("DELETE", self._media_url(media_id))

    def list_media(self, continuation_token: str | None = None) -> MediaPage:
        headers = {"Continuation-Token": continuation_token} if continuation_token else {}
        response = self._transport.request("GET", f"{self._account_url}/media", headers=headers)
        return MediaPage(
            items=tuple(
                MediaItem(
                    media_name=str(item.get("mediaName", "")),
                    content_length=optional_int(item.get("contentLength")),
                    content=str(item.get("content", "")),
                )
                for item in json_array(response)
            ),
            continuation_token=response.headers.get("Continuation-Token") or None,
        )

    def media_id_from_url(self, url: str) -> str | None:
        return media_id_from_url(
            url, messaging_base_url=self._base_url, account_id=self._account_id
        )

    def _media_url(self, media_id: str) -> str:
        if not is_safe_media_id(media_id):
            raise ValueError("media id must be a relative path without '.' or '..' segments")
        return f"{self._account_url}/media/{quote(media_id, safe='/%')}"


def media_id_from_url(url: str, *, messaging_base_url: str, account_id: str) -> str | None:
    """The media id of an inbound MMS media URL, or None when Parley must not fetch it.

    Only URLs on the configured messaging host (same scheme, host and port, no userinfo) under
    this account's media path are accepted; this is the SSRF guard for inbound media.
    """
    base = urlsplit(messaging_base_url)
    try:
        candidate = urlsplit(url)
        candidate_port = candidate.port
        base_port = base.port
    except ValueError:
        return None
    if candidate.scheme.lower() != base.scheme.lower():
        return None
    if "@" in candidate.netloc or candidate.query or candidate.fragment or "\\" in url:
        return None
    if (candidate.hostname or "") != (base.hostname or "").lower():
        return None
    default_port = _DEFAULT_PORTS.get(base.scheme.lower())
    if (candidate_port or default_port) != (base_port or default_port):
        return None
    prefix = f"{base.path.rstrip('/')}/users/{quote(account_id, safe='')}/media/"
    if not candidate.path.startswith(prefix):
        return None
    media_id = candidate.path[len(prefix) :]
    return media_id if is_safe_media_id(media_id) else None


def is_safe_media_id(media_id: str) -> bool:
    if not media_id or "\\" in media_id or "?" in media_id or "#" in media_id:
        return False
    for segment in media_id.split("/"):
        decoded = unquote(segment)
        if decoded in ("", ".", "..") or "/" in decoded or "\\" in decoded:
            return False
    return True


def _read_at_most(response: requests.Response, max_bytes: int) -> bytes:
    too_large = PermanentError(
        f"media is larger than {max_bytes} bytes", status=response.status_code, code="too-large"
    )
    declared = optional_int(response.headers.get("Content-Length"))
    if declared is not None and declared > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    received = 0
    try:
        for chunk in response.iter_content(chunk_size=65536):
            received += len(chunk)
            if received > max_bytes:
                raise too_large
            chunks.append(chunk)
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        raise TransientError("media download was cut short", ambiguous=False) from exc
    return b"".join(chunks)


def _sent_message(data: dict[str, Any]) -> SentMessage:
    return SentMessage(
        id=str(data.get("id", "")),
        owner=str(data.get("owner", "")),
        application_id=str(data.get("applicationId", "")),
        time=str(data.get("time", "")),
        segment_count=optional_int(data.get("segmentCount")) or 0,
        direction=str(data.get("direction", "")),
        to=tuple(str(number) for number in data.get("to") or ()),
        from_=str(data.get("from", "")),
        media=tuple(str(url) for url in data.get("media") or ()),
        text=str(data.get("text") or ""),
        tag=optional_str(data.get("tag")),
        priority=optional_str(data.get("priority")),
        expiration=optional_str(data.get("expiration")),
    )


def _message_page(data: dict[str, Any]) -> MessagePage:
    page_info = data.get("pageInfo") or {}
    return MessagePage(
        total_count=optional_int(data.get("totalCount")),
        messages=tuple(
            _message_record(item) for item in data.get("messages") or () if isinstance(item, dict)
        ),
        next_page_token=optional_str(page_info.get("nextPageToken")),
        prev_page_token=optional_str(page_info.get("prevPageToken")),
    )


def _message_record(item: dict[str, Any]) -> MessageRecord:
    return MessageRecord(
        message_id=str(item.get("messageId", "")),
        account_id=optional_str(item.get("accountId")),
        source_tn=optional_str(item.get("sourceTn")),
        destination_tn=optional_str(item.get("destinationTn")),
        message_status=optional_str(item.get("messageStatus")),
        message_direction=optional_str(item.get("messageDirection")),
        message_type=optional_str(item.get("messageType")),
        segment_count=optional_int(item.get("segmentCount")),
        error_code=optional_int(item.get("errorCode")),
        receive_time=optional_str(item.get("receiveTime")),
        carrier_name=optional_str(item.get("carrierName")),
    )
