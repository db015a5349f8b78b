"""Voice API v2: create and control calls, recordings and their transcriptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bandwidth.client.json_fields import (
    json_array,
    json_object,
    optional_float,
    optional_int,
    optional_str,
)
from bandwidth.client.transport import Transport


@dataclass(frozen=True)
class CreatedCall:
    call_id: str
    account_id: str
    application_id: str
    to: str
    from_: str
    call_url: str
    enqueued_time: str | None
    answer_url: str
    answer_method: str
    disconnect_url: str | None
    disconnect_method: str | None
    call_timeout: float | None
    callback_timeout: float | None
    tag: str | None
    priority: int | None


@dataclass(frozen=True)
class CallState:
    call_id: str
    account_id: str | None
    application_id: str | None
    parent_call_id: str | None
    to: str | None
    from_: str | None
    direction: str | None
    state: str | None
    enqueued_time: str | None
    start_time: str | None
    answer_time: str | None
    end_time: str | None
    disconnect_cause: str | None
    error_message: str | None
    error_id: str | None
    last_update: str | None


@dataclass(frozen=True)
class TranscriptionMetadata:
    id: str | None
    status: str | None
    completed_time: str | None
    url: str | None


@dataclass(frozen=True)
class Recording:
    recording_id: str
    call_id: str | None
    account_id: str | None
    application_id: str | None
    to: str | None
    from_: str | None
    duration: str | None
    direction: str | None
    channels: int | None
    start_time: str | None
    end_time: str | None
    file_format: str | None
    status: str | None
    media_url: str | None
    transcription: TranscriptionMetadata | None


@dataclass(frozen=True)
class Transcript:
    text: str
    confidence: float | None
    speaker: int | None


@dataclass(frozen=True)
class RecordingTranscription:
    transcripts: tuple[Transcript, ...]

    @property
    def text(self) -> str:
        return " ".join(transcript.text for transcript in self.transcripts if transcript.text)


class VoiceApi:
    def __init__(self, transport: Transport, base_url: str, account_id: str) -> None:
        self._transport = transport
        self._base_url = base_url.rstrip("/")
        self._account_id = account_id

    @property
    def _calls_url(self) -> str:
        return f"{self._base_url}/accounts/{quote(self._account_id, safe='')}/calls"

    def _call_url(self, call_id: str) -> str:
        return f"{self._calls_url}/{quote(call_id, safe='')}"

    def _recording_url(self, call_id: str, recording_id: str) -> str:
        return f"{self._call_url(call_id)}/recordings/{quote(recording_id, safe='')}"

    def create_call(
        self,
        *,
        application_id: str,
        from_: str,
        to: str,
        answer_url: str,
        answer_method: str | None = None,
        answer_fallback_url: str | None = None,
        answer_fallback_method: str | None = None,
        disconnect_url: str | None = None,
        disconnect_method: str | None = None,
        username: str | None = None,
        password: str | None = None,
        fallback_username: str | None = None,
        fallback_password: str | None = None,
        call_timeout: float | None = None,
        callback_timeout: float | None = None,
        tag: str | None = None,
        priority: int | None = None,
        display_name: str | None = None,
        privacy: bool | None = None,
        uui: str | None = None,
        machine_detection: dict[str, Any] | None = None,
    ) -> CreatedCall:
        body = _without_none(
            {
                "applicationId": application_id,
                "from": from_,
                "to": to,
                "answerUrl": answer_url,
                "answerMethod": answer_method,
                "answerFallbackUrl": answer_fallback_url,
                "answerFallbackMethod": answer_fallback_method,
                "disconnectUrl": disconnect_url,
                "disconnectMethod": disconnect_method,
                "username": username,
                "password": password,
                "fallbackUsername": fallback_username,
                "fallbackPassword": fallback_password,
                "callTimeout": call_timeout,
                "callbackTimeout": callback_timeout,
                "tag": tag,
                "priority": priority,
                "displayName": display_name,
                "privacy": privacy,
                "uui": uui,
                "machineDetection": machine_detection,
            }
        )
        response = self._transport.request("POST", self._calls_url, json=body)
        return _created_call(json_object(response))

    def get_call(self, call_id: str) -> CallState:
        response = self._transport.request("GET", self._call_url(call_id))
        return _call_state(json_object(response))

    def update_call(
        self,
        call_id: str,
        *,
        state: str | None = None,
        redirect_url: str | None = None,
        redirect_method: str | None = None,
        redirect_fallback_url: str | None = None,
        redirect_fallback_method: str | None = None,
        username: str | None = None,
        password: str | None = None,
        fallback_username: str | None = None,
        fallback_password: str | None = None,
        tag: str | None = None,
    ) -> None:
        body = _without_none(
            {
                "state": state,
                "redirectUrl": redirect_url,
                "redirectMethod": redirect_method,
                "redirectFallbackUrl": redirect_fallback_url,
                "redirectFallbackMethod": redirect_fallback_method,
                "username": username,
                "password": password,
                "fallbackUsername": fallback_username,
                "fallbackPassword": fallback_password,
                "tag": tag,
            }
        )
        self._transport.request("POST", self._call_url(call_id), json=body)

    def hang_up(self, call_id: str) -> None:
        self.update_call(call_id, state="completed")

    def replace_bxml(self, call_id: str, bxml: str) -> None:
        self._transport.request(
            "PUT",
            f"{self._call_url(call_id)}/bxml",
            data=bxml.encode("utf-8"),
            headers={"Content-Type": "application/xml; charset=utf-8"},
        )

    def list_recordings(self, call_id: str) -> list[Recording]:
        response = self._transport.request("GET", f"{self._call_url(call_id)}/recordings")
        return [_recording(item) for item in json_array(response)]

    def get_recording(self, call_id: str, recording_id: str) -> Recording:
        response = self._transport.request("GET", self._recording_url(call_id, recording_id))
        return _recording(json_object(response))

    def download_recording(self, call_id: str, recording_id: str) -> tuple[bytes, str]:
        response = self._transport.request(
            "GET", f"{self._recording_url(call_id, recording_id)}/media"
        )
        return response.content, response.headers.get("Content-Type", "application/octet-stream")

    def request_transcription(
        self,
        call_id: str,
        recording_id: str,
        *,
        callback_url: str | None = None,
        callback_method: str | None = None,
        username: str | None = None,
        password: str | None = None,
        tag: str | None = None,
        callback_timeout: float | None = None,
        detect_language: bool | None = None,
    ) -> None:
        body = _without_none(
            {
                "callbackUrl": callback_url,
                "callbackMethod": callback_method,
                "username": username,
                "password": password,
                "tag": tag,
                "callbackTimeout": callback_timeout,
                "detectLanguage": detect_language,
            }
        )
        self._transport.request(
            "POST", f"{self._recording_url(call_id, recording_id)}/transcription", json=body
        )

    def get_transcription(self, call_id: str, recording_id: str) -> RecordingTranscription:
        response = self._transport.request(
            "GET", f"{self._recording_url(call_id, recording_id)}/transcription"
        )
        data = json_object(response)
        return RecordingTranscription(
            transcripts=tuple(
                Transcript(
                    text=str(item.get("text") or ""),
                    confidence=optional_float(item.get("confidence")),
                    speaker=optional_int(item.get("speaker")),
                )
                for item in data.get("transcripts") or ()
                if isinstance(item, dict)
            )
        )


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _created_call(data: dict[str, Any]) -> CreatedCall:
    return CreatedCall(
        call_id=str(data.get("callId", "")),
        account_id=str(data.get("accountId", "")),
        application_id=str(data.get("applicationId", "")),
        to=str(data.get("to", "")),
        from_=str(data.get("from", "")),
        call_url=str(data.get("callUrl", "")),
        enqueued_time=optional_str(data.get("enqueuedTime")),
        answer_url=str(data.get("answerUrl", "")),
        answer_method=str(data.get("answerMethod", "")),
        disconnect_url=optional_str(data.get("disconnectUrl")),
        disconnect_method=optional_str(data.get("disconnectMethod")),
        call_timeout=optional_float(data.get("callTimeout")),
        callback_timeout=optional_float(data.get("callbackTimeout")),
        tag=optional_str(data.get("tag")),
        priority=optional_int(data.get("priority")),
    )


def _call_state(data: dict[str, Any]) -> CallState:
    return CallState(
        call_id=str(data.get("callId", "")),
        account_id=optional_str(data.get("accountId")),
        application_id=optional_str(data.get("applicationId")),
        parent_call_id=optional_str(data.get("parentCallId")),
        to=optional_str(data.get("to")),
        from_=optional_str(data.get("from")),
        direction=optional_str(data.get("direction")),
        state=optional_str(data.get("state")),
        enqueued_time=optional_str(data.get("enqueuedTime")),
        start_time=optional_str(data.get("startTime")),
        answer_time=optional_str(data.get("answerTime")),
        end_time=optional_str(data.get("endTime")),
        disconnect_cause=optional_str(data.get("disconnectCause")),
        error_message=optional_str(data.get("errorMessage")),
        error_id=optional_str(data.get("errorId")),
        last_update=optional_str(data.get("lastUpdate")),
    )


def _recording(data: dict[str, Any]) -> Recording:
    transcription = data.get("transcription")
    return Recording(
        recording_id=str(data.get("recordingId", "")),
        call_id=optional_str(data.get("callId")),
        account_id=optional_str(data.get("accountId")),
        application_id=optional_str(data.get("applicationId")),
        to=optional_str(data.get("to")),
        from_=optional_str(data.get("from")),
        duration=optional_str(data.get("duration")),
        direction=optional_str(data.get("direction")),
        channels=optional_int(data.get("channels")),
        start_time=optional_str(data.get("startTime")),
        end_time=optional_str(data.get("endTime")),
        file_format=optional_str(data.get("fileFormat")),
        status=optional_str(data.get("status")),
        media_url=optional_str(data.get("mediaUrl")),
        transcription=(
            TranscriptionMetadata(
                id=optional_str(transcription.get("id")),
                status=optional_str(transcription.get("status")),
                completed_time=optional_str(transcription.get("completedTime")),
                url=optional_str(transcription.get("url")),
            )
            if isinstance(transcription, dict)
            else None
        ),
    )
