"""Every write of voice, by concern: call routes and the blocklist, click-to-call, call events,
recordings and voicemail, reconciliation."""

from .call_routes import (
    call_route_save,
    compiled_routes_forget,
    forget_compiled_route,
    on_routes_forgotten,
)
from .calls import call_create, call_dial, call_dial_failed
from .events import (
    ERROR_CAUSES,
    call_agent_answered,
    call_event_note,
    call_finish,
    call_inbound_start,
    call_send_missed_text,
    call_transfer_answered,
    call_transfer_completed,
    send_text,
)
from .reconcile import voice_reconcile
from .recordings import (
    recording_download,
    recording_download_failed,
    recording_fetch_transcription,
    recording_store,
    recording_transcription_failed,
    recording_transcription_ready,
    voicemail_mark,
)

__all__ = [
    "ERROR_CAUSES",
    "call_agent_answered",
    "call_create",
    "call_dial",
    "call_dial_failed",
    "call_event_note",
    "call_finish",
    "call_inbound_start",
    "call_route_save",
    "call_send_missed_text",
    "call_transfer_answered",
    "call_transfer_completed",
    "compiled_routes_forget",
    "forget_compiled_route",
    "on_routes_forgotten",
    "recording_download",
    "recording_download_failed",
    "recording_fetch_transcription",
    "recording_store",
    "recording_transcription_failed",
    "recording_transcription_ready",
    "send_text",
    "voice_reconcile",
    "voicemail_mark",
]
