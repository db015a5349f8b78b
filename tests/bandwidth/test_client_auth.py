"""OAuth2 client-credentials tokens, their cache and refresh, and the Basic fallback."""

from __future__ import annotations

import base64
import threading
import time
from urllib.parse import parse_qs

import pytest
import requests
import responses
from client_spec_validation import ACCOUNT_ID, basic_credentials, oauth_credentials

from bandwidth.client import BandwidthClient, Credentials, Endpoints, auth, reset_client_caches
from bandwidth.errors import AuthenticationError

TOKEN_URL = "https://api.bandwidth.com/api/v1/oauth2/token"
CALL_URL = f"https://voice.bandwidth.com/api/v2/accounts/{ACCOUNT_ID}/calls/c-1"
ORDERS_URL = f"https://dashboard.bandwidth.com/api/accounts/{ACCOUNT_ID}/orders/o-1"
CALL_STATE = {"callId": "c-1", "state": "answered"}
ORDER_XML = "<OrderResponse><OrderStatus>COMPLETE</OrderStatus></OrderResponse>"


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    reset_client_caches()


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _token_calls() -> list[responses.Call]:
    return [call for call in responses.calls if call.request.url == TOKEN_URL]


def _api_calls() -> list[responses.Call]:
    return [call for call in responses.calls if call.request.url != TOKEN_URL]


def _issue_tokens(*tokens: str, expires_in: int = 3600) -> None:
    for token in tokens:
        responses.post(
            TOKEN_URL,
            json={"access_token": token, "token_type": "Bearer", "expires_in": expires_in},
        )


@responses.activate
def test_token_is_fetched_with_client_credentials_and_used_as_bearer() -> None:
    _issue_tokens("token-1")
    responses.get(CALL_URL, json=CALL_STATE)

    state = BandwidthClient(oauth_credentials()).voice.get_call("c-1")

    assert state.state == "answered"
    token_request = _token_calls()[0].request
    assert token_request.method == "POST"
    assert token_request.headers["Authorization"] == _basic("parley-client", "s3cret-client")
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(str(token_request.body)) == {"grant_type": ["client_credentials"]}
    assert _api_calls()[0].request.headers["Authorization"] == "Bearer token-1"


@responses.activate
def test_one_token_serves_many_calls_and_clients_with_the_same_credentials() -> None:
    _issue_tokens("token-1", "token-2")
    responses.get(CALL_URL, json=CALL_STATE)

    for _ in range(3):
        BandwidthClient(oauth_credentials()).voice.get_call("c-1")
    client = BandwidthClient(oauth_credentials())
    for _ in range(3):
        client.voice.get_call("c-1")

    assert len(_token_calls()) == 1
    assert {call.request.headers["Authorization"] for call in _api_calls()} == {"Bearer token-1"}


@responses.activate
def test_other_credentials_get_their_own_token() -> None:
    _issue_tokens("token-a", "token-b")
    responses.get(CALL_URL, json=CALL_STATE)

    BandwidthClient(oauth_credentials("client-a")).voice.get_call("c-1")
    BandwidthClient(oauth_credentials("client-b")).voice.get_call("c-1")

    assert [call.request.headers["Authorization"] for call in _api_calls()] == [
        "Bearer token-a",
        "Bearer token-b",
    ]


@responses.activate
def test_token_is_refreshed_sixty_seconds_before_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(auth, "monotonic", lambda: now[0])
    _issue_tokens("token-1", "token-2", expires_in=3600)
    responses.get(CALL_URL, json=CALL_STATE)
    client = BandwidthClient(oauth_credentials())

    client.voice.get_call("c-1")
    now[0] = 1000.0 + 3600 - 61
    client.voice.get_call("c-1")
    now[0] = 1000.0 + 3600 - 59
    client.voice.get_call("c-1")

    assert len(_token_calls()) == 2
    assert [call.request.headers["Authorization"] for call in _api_calls()] == [
        "Bearer token-1",
        "Bearer token-1",
        "Bearer token-2",
    ]


@responses.activate
def test_a_401_refreshes_the_token_once_and_repeats_the_call_once() -> None:
    _issue_tokens("revoked-token", "fresh-token")
    responses.post(
        f"https://messaging.bandwidth.com/api/v2/users/{ACCOUNT_ID}/messages",
        json={"type": "unauthorized", "description": "Authentication Failed"},
        status=401,
    )
    responses.post(
        f"https://messaging.bandwidth.com/api/v2/users/{ACCOUNT_ID}/messages",
        json={"id": "m-1", "to": ["+12345678902"], "from": "+12345678901"},
        status=202,
    )

    sent = BandwidthClient(oauth_credentials()).messaging.send_message(
        application_id="app", from_="+12345678901", to=["+12345678902"], text="hi"
    )

    assert sent.id == "m-1"
    assert len(_token_calls()) == 2
    api_calls = _api_calls()
    assert [call.request.headers["Authorization"] for call in api_calls] == [
        "Bearer revoked-token",
        "Bearer fresh-token",
    ]
    assert api_calls[0].request.body == api_calls[1].request.body


@responses.activate
def test_a_second_401_is_raised_without_another_repeat() -> None:
    _issue_tokens("token-1", "token-2", "token-3")
    responses.get(
        CALL_URL,
        json={
            "type": "authentication-error",
            "description": "The credentials provided were invalid",
        },
        status=401,
    )

    with pytest.raises(AuthenticationError):
        BandwidthClient(oauth_credentials()).voice.get_call("c-1")

    assert len(_api_calls()) == 2
    assert len(_token_calls()) == 2


@responses.activate
def test_refused_client_credentials_raise_authentication_error_without_repeat() -> None:
    responses.post(TOKEN_URL, json={"error": "invalid_client"}, status=401)

    with pytest.raises(AuthenticationError):
        BandwidthClient(oauth_credentials()).voice.get_call("c-1")

    assert len(responses.calls) == 1


@responses.activate
def test_basic_auth_is_used_without_a_client_id() -> None:
    responses.get(CALL_URL, json=CALL_STATE)

    BandwidthClient(basic_credentials()).voice.get_call("c-1")

    assert len(responses.calls) == 1
    assert responses.calls[0].request.headers["Authorization"] == _basic(
        "parley-api", "p4ssw0rd-basic"
    )


@responses.activate
def test_prefer_basic_wins_over_configured_client_credentials() -> None:
    responses.get(CALL_URL, json=CALL_STATE)
    credentials = Credentials(
        account_id=ACCOUNT_ID,
        client_id="parley-client",
        client_secret="s3cret-client",
        username="parley-api",
        password="p4ssw0rd-basic",
        prefer_basic=True,
    )

    BandwidthClient(credentials).voice.get_call("c-1")

    assert _token_calls() == []
    assert responses.calls[0].request.headers["Authorization"] == _basic(
        "parley-api", "p4ssw0rd-basic"
    )


@responses.activate
def test_basic_401_is_not_repeated() -> None:
    responses.get(CALL_URL, json={"type": "authentication-error"}, status=401)

    with pytest.raises(AuthenticationError):
        BandwidthClient(basic_credentials()).voice.get_call("c-1")

    assert len(responses.calls) == 1


@responses.activate
def test_numbers_api_uses_the_bearer_token_too() -> None:
    _issue_tokens("token-1")
    responses.get(ORDERS_URL, body=ORDER_XML)

    BandwidthClient(oauth_credentials()).numbers.get_order("o-1")

    assert _api_calls()[0].request.headers["Authorization"] == "Bearer token-1"


@responses.activate
def test_token_url_comes_from_the_endpoints() -> None:
    custom_token_url = "http://127.0.0.1:9/oauth2/token"
    responses.post(custom_token_url, json={"access_token": "local", "expires_in": 3600})
    responses.get(CALL_URL, json=CALL_STATE)

    BandwidthClient(
        oauth_credentials(), Endpoints(oauth_token_url=custom_token_url)
    ).voice.get_call("c-1")

    assert responses.calls[0].request.url == custom_token_url


@responses.activate
def test_concurrent_first_calls_share_one_token_request() -> None:
    def slow_token(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        time.sleep(0.05)
        return 200, {"Content-Type": "application/json"}, '{"access_token":"t","expires_in":3600}'

    responses.add_callback(responses.POST, TOKEN_URL, callback=slow_token)
    responses.get(CALL_URL, json=CALL_STATE)
    client = BandwidthClient(oauth_credentials())
    failures: list[BaseException] = []

    def call() -> None:
        try:
            client.voice.get_call("c-1")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(_token_calls()) == 1
    assert len(_api_calls()) == 8


def test_credentials_refuse_incomplete_settings() -> None:
    with pytest.raises(ValueError):
        Credentials(account_id=ACCOUNT_ID, client_id="id-without-secret")
    with pytest.raises(ValueError):
        Credentials(account_id=ACCOUNT_ID)
    with pytest.raises(ValueError):
        Credentials(account_id="", username="u", password="p")


def test_credentials_repr_hides_secrets() -> None:
    credentials = Credentials(
        account_id=ACCOUNT_ID,
        client_id="parley-client",
        client_secret="s3cret-client",
        username="parley-api",
        password="p4ssw0rd-basic",
    )

    assert "s3cret-client" not in repr(credentials)
    assert "p4ssw0rd-basic" not in repr(credentials)
