"""The client against the local emulator over real loopback HTTP.

Every Messaging and Voice request the client sends here is also checked against bandwidth.yml.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from client_spec_validation import (
    assert_numbers_request_matches_spec,
    assert_request_matches_spec,
)

from bandwidth.client import BandwidthClient, Credentials, Endpoints, reset_client_caches
from bandwidth.client.numbers_xml import CallbackCredentials, OrderResult
from bandwidth.client.transport import session_for
from bandwidth.emulator.app import RunningEmulator
from bandwidth.errors import (
    AuthenticationError,
    NotFoundError,
    RateLimitedError,
    TransientError,
    ValidationError,
)

HOOK_USER = "bw-hook"
HOOK_PASSWORD = "hook-secret-e2e"


class RecordingClient:
    """A BandwidthClient on the emulator that keeps every request it sent."""

    def __init__(self, running: RunningEmulator, credentials: Credentials) -> None:
        self.endpoints = Endpoints(
            messaging_base_url=f"{running.url}/api/v2",
            voice_base_url=f"{running.url}/api/v2",
            numbers_base_url=f"{running.url}/api",
            oauth_token_url=f"{running.url}/api/v1/oauth2/token",
        )
        self.sent: list[requests.PreparedRequest] = []
        session_for(credentials).hooks["response"].append(self._record)
        self.api = BandwidthClient(credentials, self.endpoints)

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.sent.append(response.request)

    def messaging_and_voice_requests(self) -> list[requests.PreparedRequest]:
        return [
            request
            for request in self.sent
            if "/api/v2/users/" in str(request.url) or "/api/v2/accounts/" in str(request.url)
        ]

    def numbers_requests(self) -> list[requests.PreparedRequest]:
        prefix = f"{self.endpoints.numbers_base_url}/accounts/"
        return [r for r in self.sent if str(r.url).startswith(prefix)]

    def assert_sent_requests_match_spec(self) -> None:
        checked = self.messaging_and_voice_requests()
        assert checked
        for request in checked:
            assert_request_matches_spec(request, self.endpoints)
        for request in self.numbers_requests():
            assert_numbers_request_matches_spec(request, self.endpoints)


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    reset_client_caches()
    yield
    reset_client_caches()


def _oauth(running: RunningEmulator) -> Credentials:
    config = running.emulator.config
    return Credentials(
        account_id=config.account_id,
        client_id=config.client_id,
        client_secret=config.client_secret,
    )


def _basic(running: RunningEmulator) -> Credentials:
    config = running.emulator.config
    return Credentials(
        account_id=config.account_id, username=config.username, password=config.password
    )


def _wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def _poll_order(client: BandwidthClient, order_id: str) -> OrderResult:
    deadline = time.monotonic() + 10
    while True:
        order = client.numbers.get_order(order_id)
        if order.status != "RECEIVED" or time.monotonic() > deadline:
            return order
        time.sleep(0.02)


def _provision(client: BandwidthClient, receiver_url: str) -> dict[str, str]:
    site_id = client.numbers.create_site(name="t1", description="Parley tenant 1")
    peer_id = client.numbers.create_sip_peer(site_id, name="t1-loc", is_default=True)
    client.numbers.enable_sms(site_id, peer_id)
    client.numbers.enable_mms(site_id, peer_id)
    hook = CallbackCredentials(user_id=HOOK_USER, password=HOOK_PASSWORD)
    messaging_app = client.numbers.create_messaging_application(
        name="t1-sms",
        inbound_callback_url=f"{receiver_url}/messaging/inbound",
        outbound_callback_url=f"{receiver_url}/messaging/status",
        inbound_credentials=hook,
        outbound_credentials=hook,
    )
    voice_app = client.numbers.create_voice_application(
        name="t1-voice",
        call_initiated_callback_url=f"{receiver_url}/voice/initiate",
        call_status_callback_url=f"{receiver_url}/voice/status",
        callback_credentials=hook,
    )
    assigned = client.numbers.assign_messaging_application(
        site_id, peer_id, messaging_app.application_id
    )
    assert assigned == messaging_app.application_id
    origination = client.numbers.assign_voice_application(
        site_id, peer_id, voice_app.application_id
    )
    assert origination.voice_application_id == voice_app.application_id
    return {
        "site_id": site_id,
        "peer_id": peer_id,
        "messaging_application_id": messaging_app.application_id,
        "voice_application_id": voice_app.application_id,
    }


def test_end_to_end_provision_buy_and_text(emulator: RunningEmulator, receiver: Any) -> None:
    receiver.require_basic_auth(HOOK_USER, HOOK_PASSWORD)
    recording = RecordingClient(emulator, _oauth(emulator))
    client = recording.api

    ids = _provision(client, receiver.url)
    (available, *_) = client.numbers.search_available_numbers(area_code="919", quantity=3)
    assert available.e164.startswith("+1919")
    created = client.numbers.create_order(
        customer_order_id="parley-ord-1",
        site_id=ids["site_id"],
        peer_id=ids["peer_id"],
        numbers=[available.e164],
    )
    assert created.order_id
    order = _poll_order(client, created.order_id)
    assert order.status == "COMPLETE"
    assert order.completed_numbers == (available.e164,)
    assert order.customer_order_id == "parley-ord-1"
    # Carriers take texts only from registered numbers (test_emulator_compliance.py).
    assert requests.post(f"{emulator.url}/_sim/registered/{available.e164}").ok

    sent = client.messaging.send_message(
        application_id=ids["messaging_application_id"],
        from_=available.e164,
        to=["+19195550199"],
        text="Hello from Parley",
        tag="parley:msg:1",
    )
    assert sent.id
    assert sent.owner == available.e164

    def delivered_arrived() -> bool:
        return any(
            r.json()[0]["type"] == "message-delivered"
            for r in receiver.authorized_requests("/messaging/status")
        )

    _wait_until(delivered_arrived)
    status_requests = [r for r in receiver.requests if r.path == "/messaging/status"]
    assert status_requests[0].authorized is False
    assert status_requests[0].credentials is None
    authorized = [r for r in status_requests if r.authorized]
    assert all(r.credentials == (HOOK_USER, HOOK_PASSWORD) for r in authorized)
    events = [event for r in authorized for event in r.json()]
    assert all(event["message"]["id"] == sent.id for event in events)
    assert all(event["message"]["tag"] == "parley:msg:1" for event in events)
    assert "message-delivered" in {event["type"] for event in events}
    page = client.messaging.list_messages(source_tn=available.e164)
    assert sent.id in {record.message_id for record in page.messages}

    token_requests = [r for r in recording.sent if str(r.url).endswith("/oauth2/token")]
    assert len(token_requests) == 1
    api_requests = [r for r in recording.sent if r not in token_requests]
    assert all(str(r.headers["Authorization"]).startswith("Bearer ") for r in api_requests)
    recording.assert_sent_requests_match_spec()


def test_mms_reports_sending_then_delivered(emulator: RunningEmulator, receiver: Any) -> None:
    receiver.require_basic_auth(HOOK_USER, HOOK_PASSWORD)
    recording = RecordingClient(emulator, _oauth(emulator))
    client = recording.api
    ids = _provision(client, receiver.url)
    order = client.numbers.create_order(
        customer_order_id="parley-ord-2", site_id=ids["site_id"], area_code="919", quantity=1
    )
    assert order.order_id
    completed = _poll_order(client, order.order_id)
    assert completed.status == "COMPLETE"
    (number,) = completed.completed_numbers
    assert requests.post(f"{emulator.url}/_sim/registered/{number}").ok
    client.messaging.upload_media("parley-1.png", b"\x89PNG\r\n\x1a\nfake", "image/png")

    client.messaging.send_message(
        application_id=ids["messaging_application_id"],
        from_=number,
        to=["+19195550199"],
        media=[f"{recording.endpoints.messaging_base_url}/users/9900000/media/parley-1.png"],
    )

    def types_seen() -> list[str]:
        return [
            event["type"]
            for r in receiver.authorized_requests("/messaging/status")
            for event in r.json()
        ]

    _wait_until(lambda: "message-delivered" in types_seen())
    assert types_seen().index("message-sending") < types_seen().index("message-delivered")
    recording.assert_sent_requests_match_spec()


def test_media_round_trip_and_inbound_media_url_guard(
    emulator: RunningEmulator, receiver: Any
) -> None:
    recording = RecordingClient(emulator, _basic(emulator))
    messaging = recording.api.messaging

    messaging.upload_media("parley-2.jpg", b"JPEGDATA", "image/jpeg")
    listed = messaging.list_media()
    content, content_type = messaging.download_media("parley-2.jpg")
    messaging.delete_media("parley-2.jpg")

    assert "parley-2.jpg" in {item.media_name for item in listed.items}
    assert (content, content_type.split(";")[0]) == (b"JPEGDATA", "image/jpeg")
    with pytest.raises(NotFoundError):
        messaging.download_media("parley-2.jpg")
    recording.assert_sent_requests_match_spec()

    from conftest import provision_account

    account = provision_account(emulator, receiver.url)
    inbound = requests.post(
        f"{emulator.url}/_sim/messages/inbound",
        json={
            "from": "+19195550123",
            "to": account.number,
            "text": "picture",
            "media": [
                {"filename": "a.png", "content_type": "image/png", "content_base64": "aGVsbG8="}
            ],
        },
        timeout=5,
    )
    media_url = inbound.json()["messages"][0]["media"][0]
    media_id = messaging.media_id_from_url(media_url)
    assert media_id is not None
    assert messaging.download_media(media_id)[0] == b"hello"


def test_voice_calls_against_the_emulator(emulator: RunningEmulator, receiver: Any) -> None:
    receiver.respond(
        lambda request: (
            200,
            {"Content-Type": "application/xml"},
            b'<?xml version="1.0" encoding="UTF-8"?><Response><Pause duration="30"/></Response>',
        )
    )
    recording = RecordingClient(emulator, _oauth(emulator))
    client = recording.api
    ids = _provision(client, receiver.url)
    order = client.numbers.create_order(
        customer_order_id="parley-ord-3", site_id=ids["site_id"], area_code="919", quantity=1
    )
    assert order.order_id
    (number,) = _poll_order(client, order.order_id).completed_numbers

    call = client.voice.create_call(
        application_id=ids["voice_application_id"],
        from_=number,
        to="+19195550142",
        answer_url=f"{receiver.url}/voice/answer",
        disconnect_url=f"{receiver.url}/voice/status",
        call_timeout=30,
        callback_timeout=15,
        tag="parley:call:1",
    )
    assert call.call_id
    assert call.to == "+19195550142"
    _wait_until(lambda: bool(receiver.authorized_requests("/voice/answer")))
    state = client.voice.get_call(call.call_id)
    assert state.call_id == call.call_id
    client.voice.replace_bxml(
        call.call_id, '<?xml version="1.0" encoding="UTF-8"?><Bxml><Pause duration="30"/></Bxml>'
    )
    client.voice.hang_up(call.call_id)
    _wait_until(lambda: client.voice.get_call(call.call_id).state == "disconnected")
    assert client.voice.list_recordings(call.call_id) == []
    with pytest.raises(NotFoundError):
        client.voice.get_call("c-00000000-0000-0000-0000-000000000000")
    recording.assert_sent_requests_match_spec()


def test_release_numbers(emulator: RunningEmulator, receiver: Any) -> None:
    recording = RecordingClient(emulator, _basic(emulator))
    client = recording.api
    ids = _provision(client, receiver.url)
    order = client.numbers.create_order(
        customer_order_id="parley-ord-4", site_id=ids["site_id"], area_code="919", quantity=1
    )
    assert order.order_id
    (number,) = _poll_order(client, order.order_id).completed_numbers

    disconnect = client.numbers.create_disconnect(customer_order_id="rel-1", numbers=[number])
    assert disconnect.order_id
    _wait_until(
        lambda: client.numbers.get_disconnect(str(disconnect.order_id)).status == "COMPLETE"
    )
    assert client.numbers.get_disconnect(disconnect.order_id).disconnected_numbers == (number,)

    subscription_id = client.numbers.create_subscription(
        order_type="disconnects",
        url=f"{receiver.url}/numbers",
        username=HOOK_USER,
        password=HOOK_PASSWORD,
    )
    assert client.numbers.get_subscription(subscription_id).order_type == "disconnects"
    client.numbers.delete_subscription(subscription_id)
    with pytest.raises(NotFoundError):
        client.numbers.get_subscription(subscription_id)


def test_revoked_token_is_refreshed_once(emulator: RunningEmulator) -> None:
    recording = RecordingClient(emulator, _oauth(emulator))
    client = recording.api
    client.messaging.list_media()
    with emulator.emulator.state.lock:
        emulator.emulator.state.tokens.clear()

    client.messaging.list_media()

    token_requests = [r for r in recording.sent if str(r.url).endswith("/oauth2/token")]
    assert len(token_requests) == 2
    statuses = [r.url for r in recording.sent]
    assert len(statuses) == 5


def test_error_statuses_from_the_emulator(emulator: RunningEmulator) -> None:
    client = RecordingClient(emulator, _basic(emulator)).api
    wrong = Credentials(account_id="9900000", username="parley-dev", password="wrong-password")

    with pytest.raises(AuthenticationError):
        RecordingClient(emulator, wrong).api.messaging.list_media()
    with pytest.raises(ValidationError) as invalid:
        client.messaging.send_message(application_id="", from_="+invalid", to=["+19195550199"])
    assert invalid.value.status == 400
    requests.post(
        f"{emulator.url}/_sim/faults",
        json={"fail_next": {"status": 429, "retry_after": 3, "api": "messaging"}},
        timeout=5,
    )
    with pytest.raises(RateLimitedError) as limited:
        client.messaging.list_media()
    assert limited.value.retry_after == 3.0
    requests.post(
        f"{emulator.url}/_sim/faults",
        json={"fail_next": {"status": 503, "api": "voice"}},
        timeout=5,
    )
    with pytest.raises(TransientError) as unavailable:
        client.voice.get_call("c-1")
    assert (unavailable.value.status, unavailable.value.ambiguous) == (503, False)
