"""Media: upload, download, delete and list, with Bandwidth's content types and size limit."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import (
    empty_response,
    json_response,
    messaging_error,
    messaging_not_found,
)
from bandwidth.emulator.messaging.common import MEDIA_PATH, routes
from bandwidth.emulator.state import MediaItem

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

MEDIA_PAGE_SIZE = 1000
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
