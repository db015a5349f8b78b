"""Timeouts, transport failures (ambiguous or not), one log line per call, no secrets in logs."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest
import requests
import responses
from client_spec_validation import ACCOUNT_ID, basic_credentials, oauth_credentials
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from bandwidth.client import BandwidthClient, Endpoints, Timeouts, reset_client_caches
from bandwidth.errors import TransientError

MESSAGES_URL = f"https://messaging.bandwidth.com/api/v2/users/{ACCOUNT_ID}/messages"
TOKEN_URL = "https://api.bandwidth.com/api/v1/oauth2/token"
SENT = {"id": "m-1", "owner": "+12345678901", "to": ["+12345678902"], "from": "+12345678901"}


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    reset_client_caches()


def _send(client: BandwidthClient) -> None:
    client.messaging.send_message(
        application_id="app", from_="+12345678901", to=["+12345678902"], text="hi"
    )


@responses.activate
def test_default_timeouts_are_sent_with_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    original = requests.Session.request

    def spy(self: requests.Session, *args: object, **kwargs: object) -> requests.Response:
        seen.append(kwargs.get("timeout"))
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(requests.Session, "request", spy)
    responses.post(TOKEN_URL, json={"access_token": "t", "expires_in": 3600})
    responses.post(MESSAGES_URL, json=SENT, status=202)

    _send(BandwidthClient(oauth_credentials()))

    assert seen == [(3.05, 15.0), (3.05, 15.0)]


@responses.activate
def test_configured_timeouts_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    original = requests.Session.request

    def spy(self: requests.Session, *args: object, **kwargs: object) -> requests.Response:
        seen.append(kwargs.get("timeout"))
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(requests.Session, "request", spy)
    responses.post(MESSAGES_URL, json=SENT, status=202)

    _send(BandwidthClient(basic_credentials(), timeouts=Timeouts(connect=1.5, read=4.0)))

    assert seen == [(1.5, 4.0)]


@pytest.mark.parametrize(
    ("failure", "ambiguous"),
    [
        (requests.exceptions.ConnectTimeout("connect timed out"), False),
        (
            requests.ConnectionError(
                MaxRetryError(None, "/", NewConnectionError(None, "refused"))  # type: ignore[arg-type]
            ),
            False,
        ),
        (requests.exceptions.ReadTimeout("read timed out"), True),
        (
            requests.ConnectionError(
                ProtocolError("Connection aborted.", ConnectionResetError("reset"))
            ),
            True,
        ),
        (requests.exceptions.ChunkedEncodingError("cut short"), True),
    ],
)
@responses.activate
def test_transport_failures_say_whether_bandwidth_may_have_acted(
    failure: Exception, ambiguous: bool
) -> None:
    responses.post(MESSAGES_URL, body=failure)

    with pytest.raises(TransientError) as caught:
        _send(BandwidthClient(basic_credentials()))

    assert caught.value.ambiguous is ambiguous
    assert caught.value.status is None
    assert len(responses.calls) == 1


@responses.activate
def test_a_failed_post_is_never_repeated() -> None:
    responses.post(MESSAGES_URL, json={"type": "internal-error"}, status=500)

    with pytest.raises(TransientError):
        _send(BandwidthClient(basic_credentials()))

    assert len(responses.calls) == 1


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def silent_server() -> Iterator[tuple[str, threading.Event]]:
    """A loopback server that reads the request and then never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()
    received = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.recv(65536)
                received.set()
                stop.wait(5)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/v2", received
    stop.set()
    thread.join(timeout=5)
    listener.close()


@pytest.fixture
def hang_up_server() -> Iterator[tuple[str, threading.Event]]:
    """A loopback server that reads the request and closes the connection without answering."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    received = threading.Event()

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            received.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/v2", received
    thread.join(timeout=5)
    listener.close()


def test_refused_connection_is_not_ambiguous_over_real_sockets() -> None:
    endpoints = Endpoints(messaging_base_url=f"http://127.0.0.1:{_unused_port()}/api/v2")

    with pytest.raises(TransientError) as caught:
        _send(BandwidthClient(basic_credentials(), endpoints))

    assert caught.value.ambiguous is False


def test_read_timeout_is_ambiguous_over_real_sockets(
    silent_server: tuple[str, threading.Event],
) -> None:
    base_url, received = silent_server
    client = BandwidthClient(
        basic_credentials(),
        Endpoints(messaging_base_url=base_url),
        timeouts=Timeouts(connect=1.0, read=0.3),
    )

    with pytest.raises(TransientError) as caught:
        _send(client)

    assert received.is_set()
    assert caught.value.ambiguous is True


def test_connection_dropped_after_sending_is_ambiguous_over_real_sockets(
    hang_up_server: tuple[str, threading.Event],
) -> None:
    base_url, received = hang_up_server
    client = BandwidthClient(basic_credentials(), Endpoints(messaging_base_url=base_url))

    with pytest.raises(TransientError) as caught:
        _send(client)

    assert received.is_set()
    assert caught.value.ambiguous is True


@responses.activate
def test_each_call_logs_one_line_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    responses.post(TOKEN_URL, json={"access_token": "tok-SECRET-123", "expires_in": 3600})
    responses.post(MESSAGES_URL, json=SENT, status=202)
    responses.get(
        f"https://voice.bandwidth.com/api/v2/accounts/{ACCOUNT_ID}/calls/c-1",
        json={"type": "validation", "description": "Call [c-1] not found"},
        status=404,
    )
    client = BandwidthClient(oauth_credentials())

    with caplog.at_level(logging.DEBUG):
        _send(client)
        with pytest.raises(Exception, match="not found"):
            client.voice.get_call("c-1")

    client_records = [record for record in caplog.records if record.name == "bandwidth.client"]
    lines = [record.getMessage() for record in client_records]
    assert len(lines) == 3
    assert lines[0].startswith("bandwidth POST /api/v1/oauth2/token 200 ")
    assert lines[1].startswith(f"bandwidth POST /api/v2/users/{ACCOUNT_ID}/messages 202 ")
    assert lines[2].startswith(f"bandwidth GET /api/v2/accounts/{ACCOUNT_ID}/calls/c-1 404 ")
    assert all(line.endswith(" ms") for line in lines)
    everything_logged = caplog.text + " ".join(lines)
    for secret in ("s3cret-client", "tok-SECRET-123", "Bearer", "Authorization", "Basic "):
        assert secret not in everything_logged


@responses.activate
def test_failure_log_line_has_no_secrets(caplog: pytest.LogCaptureFixture) -> None:
    responses.post(MESSAGES_URL, body=requests.exceptions.ReadTimeout("read timed out"))

    with caplog.at_level(logging.DEBUG), pytest.raises(TransientError):
        _send(BandwidthClient(basic_credentials()))

    lines = [r.getMessage() for r in caplog.records if r.name == "bandwidth.client"]
    assert len(lines) == 1
    assert lines[0].startswith(f"bandwidth POST /api/v2/users/{ACCOUNT_ID}/messages failed ")
    assert "ReadTimeout" in lines[0]
    assert "ambiguous=True" in lines[0]
    assert "p4ssw0rd-basic" not in caplog.text


def test_clients_with_the_same_credentials_share_one_session() -> None:
    first = BandwidthClient(basic_credentials())
    second = BandwidthClient(basic_credentials())
    other = BandwidthClient(basic_credentials("someone-else"))

    assert first.messaging._transport.session is second.voice._transport.session
    assert first.messaging._transport.session is not other.messaging._transport.session
