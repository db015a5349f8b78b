"""Voice v2 recordings: metadata, media and transcriptions of a call's recordings."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.bxml_interpreter import Webhook
from bandwidth.emulator.http import empty_response, json_response
from bandwidth.emulator.voice.api import (
    CALL,
    RECORDING,
    ApiProblem,
    _handles_problems,
    _json_object,
    _method,
    _number,
    _pair,
    _require_call,
    _store,
    _url,
    routes,
)
from bandwidth.emulator.voice.model import (
    DEFAULT_SPEECH,
    TRANSCRIPT_CONFIDENCE,
    Recording,
    wav_bytes,
)

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator


def _require_recording(emu: Emulator, call_id: str, recording_id: str) -> Recording:
    _require_call(emu, call_id)
    recording = _store(emu).recordings.get(recording_id)
    if recording is None or recording.call_id != call_id:
        raise ApiProblem(404, f"Recording [{recording_id}] not found")
    return recording


@routes.route(CALL + "/recordings", methods=["GET"])
@_handles_problems
def list_call_recordings(emu: Emulator, request: Request, accountId: str, callId: str) -> Response:
    _require_call(emu, callId)
    store = _store(emu)
    with store.lock:
        found = [
            store.recording_metadata(r) for r in store.recordings.values() if r.call_id == callId
        ]
    return json_response(found)


@routes.route("/api/v2/accounts/<accountId>/recordings", methods=["GET"])
@_handles_problems
def list_account_recordings(emu: Emulator, request: Request, accountId: str) -> Response:
    store = _store(emu)
    args = request.args
    with store.lock:
        found = [store.recording_metadata(r) for r in store.recordings.values()]
    selected = [
        r
        for r in found
        if args.get("to") in (None, r["to"])
        and args.get("from") in (None, r["from"])
        and (args.get("minStartTime") or "") <= r["startTime"]
        and r["startTime"] <= (args.get("maxStartTime") or "9999")
    ]
    return json_response(selected[:1000])


@routes.route(RECORDING, methods=["GET"])
@_handles_problems
def get_recording(
    emu: Emulator, request: Request, accountId: str, callId: str, recordingId: str
) -> Response:
    recording = _require_recording(emu, callId, recordingId)
    with _store(emu).lock:
        return json_response(_store(emu).recording_metadata(recording))


@routes.route(RECORDING, methods=["DELETE"])
@_handles_problems
def delete_recording(
    emu: Emulator, request: Request, accountId: str, callId: str, recordingId: str
) -> Response:
    _require_recording(emu, callId, recordingId)
    with _store(emu).lock:
        del _store(emu).recordings[recordingId]
    return empty_response(204)


@routes.route(RECORDING + "/media", methods=["GET"])
@_handles_problems
def download_recording(
    emu: Emulator, request: Request, accountId: str, callId: str, recordingId: str
) -> Response:
    recording = _require_recording(emu, callId, recordingId)
    if not recording.has_media:
        raise ApiProblem(404, f"Recording [{recordingId}] media not found")
    seconds = _seconds(recording.facts.duration)
    if recording.facts.file_format == "mp3":
        return Response(b"", status=200, content_type="audio/mpeg")
    return Response(wav_bytes(seconds), status=200, content_type="audio/vnd.wave")


def _seconds(iso: str) -> float:
    match = re.fullmatch(r"PT([\d.]+)S", iso)
    return float(match.group(1)) if match else 1.0


@routes.route(RECORDING + "/media", methods=["DELETE"])
@_handles_problems
def delete_recording_media(
    emu: Emulator, request: Request, accountId: str, callId: str, recordingId: str
) -> Response:
    recording = _require_recording(emu, callId, recordingId)
    recording.has_media = False
    return empty_response(204)


@routes.route(RECORDING + "/transcription", methods=["POST"])
@_handles_problems
def request_transcription(
    emu: Emulator, request: Request, accountId: str, callId: str, recordingId: str
) -> Response:
    recording = _require_recording(emu, callId, recordingId)
    body = _json_object(request)
    callback_url = _url(body, "callbackUrl")
    _number(body, "callbackTimeout", 1, 25, 15)
    store = _store(emu)
    call = _require_call(emu, callId)
    credentials = _pair(body, "username", "password") or call.credentials
    hook = (
        Webhook(callback_url, _method(body, "callbackMethod"), credentials)
        if callback_url
        else None
    )
    store.note(call, "api", f"transcription requested for {recordingId}")
    text = recording.transcription.text if recording.transcription else DEFAULT_SPEECH
    store.transcribe(call, recording, hook, text)
    return empty_response(204)


@routes.route(RECORDING + "/transcription", methods=["GET"])
@_handles_problems
def get_transcription(
    emu: Emulator, request: Request, accountId: str, callId: str, recordingId: str
) -> Response:
    recording = _require_recording(emu, callId, recordingId)
    transcription = recording.transcription
    if transcription is None or transcription.status != "available":
        raise ApiProblem(404, f"Transcription for recording [{recordingId}] not found")
    return json_response(
        {"transcripts": [{"text": transcription.text, "confidence": TRANSCRIPT_CONFIDENCE}]}
    )


@routes.route(RECORDING + "/transcription", methods=["DELETE"])
@_handles_problems
def delete_transcription(
    emu: Emulator, request: Request, accountId: str, callId: str, recordingId: str
) -> Response:
    recording = _require_recording(emu, callId, recordingId)
    if recording.transcription is None:
        raise ApiProblem(404, f"Transcription for recording [{recordingId}] not found")
    recording.transcription = None
    return empty_response(204)
