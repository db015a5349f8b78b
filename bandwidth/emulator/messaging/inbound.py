"""Receiving a message (used by the simulation endpoints): stored, media kept, callback sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bandwidth.emulator.http import utc_now_iso
from bandwidth.emulator.messaging.common import new_message_id
from bandwidth.emulator.segments import segment_count
from bandwidth.emulator.state import MediaItem, StoredMessage

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator


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
