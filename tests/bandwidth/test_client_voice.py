"""Voice API calls: bodies valid for bandwidth.yml and typed answers."""

from __future__ import annotations

import pytest
import requests
import responses
from client_spec_validation import ACCOUNT_ID, assert_request_matches_spec, basic_credentials
from recorded_requests import body_json

from bandwidth.client import BandwidthClient, reset_client_caches

CALLS_URL = f"https://voice.bandwidth.com/api/v2/accounts/{ACCOUNT_ID}/calls"
CALL_ID = "c-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85"
RECORDING_ID = "r-115da407-e3d9-4ea7-889f-5f4ad7386a80"
CALL_URL = f"{CALLS_URL}/{CALL_ID}"
RECORDING_URL = f"{CALL_URL}/recordings/{RECORDING_ID}"
CREATED = {
    "applicationId": "04e88489-df02-4e34-a0ee-27a91849555f",
    "accountId": ACCOUNT_ID,
    "callId": CALL_ID,
    "to": "+19195551234",
    "from": "+19195554312",
    "enqueuedTime": "2022-06-16T13:15:07.160Z",
    "callUrl": CALL_URL,
    "callTimeout": 30,
    "callbackTimeout": 15,
    "tag": "parley:call:7",
    "answerMethod": "POST",
    "answerUrl": "https://parley.example/webhooks/bandwidth/voice/",
    "disconnectMethod": "POST",
    "disconnectUrl": "https://parley.example/webhooks/bandwidth/voice/",
    "username": "bw-hook",
    "password": "*****",
    "priority": 5,
}


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    reset_client_caches()


@pytest.fixture
def client() -> BandwidthClient:
    return BandwidthClient(basic_credentials())


def _only_request() -> requests.PreparedRequest:
    (call,) = responses.calls
    assert_request_matches_spec(call.request)
    return call.request


@responses.activate
def test_create_call_sends_every_documented_field(client: BandwidthClient) -> None:
    responses.post(CALLS_URL, json=CREATED, status=201, headers={"Location": CALL_URL})

    call = client.voice.create_call(
        application_id="04e88489-df02-4e34-a0ee-27a91849555f",
        from_="+19195554312",
        to="+19195551234",
        answer_url="https://parley.example/webhooks/bandwidth/voice/",
        answer_method="POST",
        answer_fallback_url="https://parley.example/webhooks/bandwidth/voice/fallback",
        answer_fallback_method="POST",
        disconnect_url="https://parley.example/webhooks/bandwidth/voice/",
        disconnect_method="POST",
        username="bw-hook",
        password="hook-secret",
        fallback_username="bw-hook",
        fallback_password="hook-secret",
        call_timeout=30,
        callback_timeout=15,
        tag="parley:call:7",
        priority=5,
        display_name="Parley",
        privacy=False,
        machine_detection={"mode": "async", "detectionTimeout": 15},
    )

    request = _only_request()
    assert body_json(request) == {
        "applicationId": "04e88489-df02-4e34-a0ee-27a91849555f",
        "from": "+19195554312",
        "to": "+19195551234",
        "answerUrl": "https://parley.example/webhooks/bandwidth/voice/",
        "answerMethod": "POST",
        "answerFallbackUrl": "https://parley.example/webhooks/bandwidth/voice/fallback",
        "answerFallbackMethod": "POST",
        "disconnectUrl": "https://parley.example/webhooks/bandwidth/voice/",
        "disconnectMethod": "POST",
        "username": "bw-hook",
        "password": "hook-secret",
        "fallbackUsername": "bw-hook",
        "fallbackPassword": "hook-secret",
        "callTimeout": 30,
        "callbackTimeout": 15,
        "tag": "parley:call:7",
        "priority": 5,
        "displayName": "Parley",
        "privacy": False,
        "machineDetection": {"mode": "async", "detectionTimeout": 15},
    }
    assert call.call_id == CALL_ID
    assert call.call_url == CALL_URL
    assert (call.from_, call.to) == ("+19195554312", "+19195551234")
    assert (call.call_timeout, call.callback_timeout, call.priority) == (30.0, 15.0, 5)
    assert call.tag == "parley:call:7"


@responses.activate
def test_create_call_minimal_body(client: BandwidthClient) -> None:
    responses.post(CALLS_URL, json=CREATED, status=201)

    client.voice.create_call(
        application_id="app",
        from_="+19195554312",
        to="+19195551234",
        answer_url="https://parley.example/a",
    )

    assert body_json(_only_request()) == {
        "applicationId": "app",
        "from": "+19195554312",
        "to": "+19195551234",
        "answerUrl": "https://parley.example/a",
    }


@responses.activate
def test_get_call_reads_the_call_state(client: BandwidthClient) -> None:
    responses.get(
        CALL_URL,
        json={
            "applicationId": "app",
            "accountId": ACCOUNT_ID,
            "callId": CALL_ID,
            "to": "+19195551234",
            "from": "+19195554312",
            "direction": "outbound",
            "state": "disconnected",
            "enqueuedTime": "2022-06-16T13:15:07.160Z",
            "startTime": "2022-06-16T13:15:07.160Z",
            "answerTime": "2022-06-16T13:15:18.126Z",
            "endTime": "2022-06-16T13:15:18.314Z",
            "disconnectCause": "hangup",
            "errorMessage": None,
            "errorId": None,
            "lastUpdate": "2022-06-16T13:15:18.314Z",
        },
    )

    state = client.voice.get_call(CALL_ID)

    _only_request()
    assert (state.call_id, state.state, state.direction) == (CALL_ID, "disconnected", "outbound")
    assert state.disconnect_cause == "hangup"
    assert state.error_message is None
    assert state.answer_time == "2022-06-16T13:15:18.126Z"


@responses.activate
def test_redirect_a_call(client: BandwidthClient) -> None:
    responses.post(CALL_URL, status=200)

    client.voice.update_call(
        CALL_ID,
        state="active",
        redirect_url="https://parley.example/voice/redirect",
        redirect_method="POST",
        redirect_fallback_url="https://parley.example/voice/redirect-fallback",
        redirect_fallback_method="POST",
        username="bw-hook",
        password="hook-secret",
        fallback_username="bw-hook",
        fallback_password="hook-secret",
        tag="moved",
    )

    assert body_json(_only_request()) == {
        "state": "active",
        "redirectUrl": "https://parley.example/voice/redirect",
        "redirectMethod": "POST",
        "redirectFallbackUrl": "https://parley.example/voice/redirect-fallback",
        "redirectFallbackMethod": "POST",
        "username": "bw-hook",
        "password": "hook-secret",
        "fallbackUsername": "bw-hook",
        "fallbackPassword": "hook-secret",
        "tag": "moved",
    }


@responses.activate
def test_hang_up_sets_state_completed(client: BandwidthClient) -> None:
    responses.post(CALL_URL, status=200)

    client.voice.hang_up(CALL_ID)

    assert body_json(_only_request()) == {"state": "completed"}


@responses.activate
def test_replace_bxml_puts_xml(client: BandwidthClient) -> None:
    responses.put(f"{CALL_URL}/bxml", status=204)
    bxml = '<?xml version="1.0" encoding="UTF-8"?><Bxml><Hangup/></Bxml>'

    client.voice.replace_bxml(CALL_ID, bxml)

    request = _only_request()
    assert request.body == bxml.encode()
    assert request.headers["Content-Type"].startswith("application/xml")


@responses.activate
def test_list_recordings(client: BandwidthClient) -> None:
    responses.get(
        f"{CALL_URL}/recordings",
        json=[
            {
                "applicationId": "app",
                "accountId": ACCOUNT_ID,
                "callId": CALL_ID,
                "recordingId": RECORDING_ID,
                "to": "+19195551234",
                "from": "+19195554312",
                "duration": "PT13.67S",
                "direction": "inbound",
                "channels": 1,
                "startTime": "2022-06-17T22:19:40.375Z",
                "endTime": "2022-06-17T22:20:00.375Z",
                "fileFormat": "wav",
                "status": "complete",
                "mediaUrl": f"{RECORDING_URL}/media",
                "transcription": {
                    "id": "t-1a68a908",
                    "status": "available",
                    "completedTime": "2022-06-17T22:20:10.000Z",
                    "url": f"{RECORDING_URL}/transcription",
                },
            }
        ],
    )

    (recording,) = client.voice.list_recordings(CALL_ID)

    _only_request()
    assert recording.recording_id == RECORDING_ID
    assert (recording.duration, recording.file_format, recording.status) == (
        "PT13.67S",
        "wav",
        "complete",
    )
    assert recording.channels == 1
    assert recording.media_url == f"{RECORDING_URL}/media"
    assert recording.transcription is not None
    assert recording.transcription.status == "available"


@responses.activate
def test_download_recording_returns_audio(client: BandwidthClient) -> None:
    responses.get(f"{RECORDING_URL}/media", body=b"RIFF....WAVE", content_type="audio/vnd.wave")

    content, content_type = client.voice.download_recording(CALL_ID, RECORDING_ID)

    _only_request()
    assert (content, content_type) == (b"RIFF....WAVE", "audio/vnd.wave")


@responses.activate
def test_request_transcription(client: BandwidthClient) -> None:
    responses.post(f"{RECORDING_URL}/transcription", status=204)

    client.voice.request_transcription(
        CALL_ID,
        RECORDING_ID,
        callback_url="https://parley.example/webhooks/bandwidth/voice/",
        callback_method="POST",
        username="bw-hook",
        password="hook-secret",
        tag="voicemail:9",
        callback_timeout=10,
        detect_language=True,
    )

    assert body_json(_only_request()) == {
        "callbackUrl": "https://parley.example/webhooks/bandwidth/voice/",
        "callbackMethod": "POST",
        "username": "bw-hook",
        "password": "hook-secret",
        "tag": "voicemail:9",
        "callbackTimeout": 10,
        "detectLanguage": True,
    }


@responses.activate
def test_get_transcription(client: BandwidthClient) -> None:
    responses.get(
        f"{RECORDING_URL}/transcription",
        json={
            "transcripts": [
                {"text": "Nice talking to you,", "confidence": 0.9},
                {"text": "friend!", "confidence": 0.8, "speaker": 1},
            ]
        },
    )

    transcription = client.voice.get_transcription(CALL_ID, RECORDING_ID)

    _only_request()
    assert transcription.text == "Nice talking to you, friend!"
    assert transcription.transcripts[0].confidence == 0.9
    assert transcription.transcripts[1].speaker == 1
