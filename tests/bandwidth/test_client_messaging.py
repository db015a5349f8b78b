"""Messaging API calls: bodies valid for bandwidth.yml, typed answers, the media URL guard."""

from __future__ import annotations

import pytest
import requests
import responses
from client_spec_validation import ACCOUNT_ID, assert_request_matches_spec, oauth_credentials
from openapi_core.validation.request.exceptions import InvalidRequestBody
from recorded_requests import body_json, query_params

from bandwidth.client import BandwidthClient, media_id_from_url, reset_client_caches
from bandwidth.errors import PermanentError

TOKEN_URL = "https://api.bandwidth.com/api/v1/oauth2/token"
ACCOUNT_URL = f"https://messaging.bandwidth.com/api/v2/users/{ACCOUNT_ID}"
BASE_URL = "https://messaging.bandwidth.com/api/v2"
CREATED = {
    "id": "14762070468292kw2fuqty55yp2b2",
    "owner": "+12345678901",
    "applicationId": "93de2206-9669-4e07-948d-329f4b722ee2",
    "time": "2021-07-21T21:00:45.179Z",
    "segmentCount": 1,
    "direction": "out",
    "to": ["+12345678902", "+12345678903"],
    "from": "+12345678901",
    "text": "Hello World",
    "media": ["https://parley.example/m/1.png"],
    "tag": "parley:msg:42",
    "priority": "high",
    "expiration": "2031-07-21T21:00:45.179Z",
}


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    reset_client_caches()


@pytest.fixture
def client() -> BandwidthClient:
    responses.post(TOKEN_URL, json={"access_token": "token-1", "expires_in": 3600})
    return BandwidthClient(oauth_credentials())


def _api_requests() -> list[requests.PreparedRequest]:
    return [call.request for call in responses.calls if call.request.url != TOKEN_URL]


@responses.activate
def test_send_message_posts_a_spec_valid_body_and_returns_the_202_answer(
    client: BandwidthClient,
) -> None:
    responses.post(f"{ACCOUNT_URL}/messages", json=CREATED, status=202)

    sent = client.messaging.send_message(
        application_id="93de2206-9669-4e07-948d-329f4b722ee2",
        from_="+12345678901",
        to=["+12345678902", "+12345678903"],
        text="Hello World",
        media=["https://parley.example/m/1.png"],
        tag="parley:msg:42",
        priority="high",
        expiration="2031-07-21T21:00:45.179Z",
    )

    (request,) = _api_requests()
    assert_request_matches_spec(request)
    assert body_json(request) == {
        "applicationId": "93de2206-9669-4e07-948d-329f4b722ee2",
        "from": "+12345678901",
        "to": ["+12345678902", "+12345678903"],
        "text": "Hello World",
        "media": ["https://parley.example/m/1.png"],
        "tag": "parley:msg:42",
        "priority": "high",
        "expiration": "2031-07-21T21:00:45.179Z",
    }
    assert request.headers["Content-Type"] == "application/json"
    assert sent.id == "14762070468292kw2fuqty55yp2b2"
    assert sent.to == ("+12345678902", "+12345678903")
    assert sent.from_ == "+12345678901"
    assert sent.segment_count == 1
    assert sent.direction == "out"
    assert sent.media == ("https://parley.example/m/1.png",)
    assert (sent.tag, sent.priority) == ("parley:msg:42", "high")


@responses.activate
def test_send_message_leaves_out_unset_fields(client: BandwidthClient) -> None:
    responses.post(f"{ACCOUNT_URL}/messages", json=CREATED, status=202)

    client.messaging.send_message(
        application_id="app-1", from_="+12345678901", to=["+12345678902"], text="hi"
    )

    (request,) = _api_requests()
    assert_request_matches_spec(request)
    assert body_json(request) == {
        "applicationId": "app-1",
        "from": "+12345678901",
        "to": ["+12345678902"],
        "text": "hi",
    }


@responses.activate
def test_spec_validation_catches_a_body_the_spec_refuses(client: BandwidthClient) -> None:
    responses.post(f"{ACCOUNT_URL}/messages", json=CREATED, status=202)

    client.messaging.send_message(
        application_id="app-1", from_="+12345678901", to=["+12345678902"], priority="urgent"
    )

    (request,) = _api_requests()
    with pytest.raises(InvalidRequestBody):
        assert_request_matches_spec(request)


@responses.activate
def test_list_messages_sends_filters_and_reads_the_page(client: BandwidthClient) -> None:
    responses.get(
        f"{ACCOUNT_URL}/messages",
        json={
            "totalCount": 2,
            "pageInfo": {"nextPageToken": "next-1", "prevPageToken": None},
            "messages": [
                {
                    "messageId": "1589228074636lm4k2je7j7jklbn2",
                    "accountId": ACCOUNT_ID,
                    "sourceTn": "+15554443333",
                    "destinationTn": "+15552221111",
                    "messageStatus": "DELIVERED",
                    "messageDirection": "OUTBOUND",
                    "messageType": "sms",
                    "segmentCount": 1,
                    "errorCode": 0,
                    "receiveTime": "2020-04-07T14:03:07.000Z",
                    "carrierName": "other",
                }
            ],
        },
    )

    page = client.messaging.list_messages(
        source_tn="+15554443333",
        message_status="DELIVERED",
        from_date_time="2020-04-07T00:00:00.000Z",
        to_date_time="2020-04-08T00:00:00.000Z",
        page_token="tok",
        limit=50,
    )

    (request,) = _api_requests()
    assert_request_matches_spec(request)
    assert query_params(request) == {
        "sourceTn": ["+15554443333"],
        "messageStatus": ["DELIVERED"],
        "fromDateTime": ["2020-04-07T00:00:00.000Z"],
        "toDateTime": ["2020-04-08T00:00:00.000Z"],
        "pageToken": ["tok"],
        "limit": ["50"],
    }
    assert page.total_count == 2
    assert page.next_page_token == "next-1"
    assert page.prev_page_token is None
    (record,) = page.messages
    assert record.message_id == "1589228074636lm4k2je7j7jklbn2"
    assert (record.message_status, record.message_direction) == ("DELIVERED", "OUTBOUND")
    assert (record.segment_count, record.error_code) == (1, 0)


@responses.activate
def test_upload_media_puts_the_bytes_with_their_type(client: BandwidthClient) -> None:
    responses.put(f"{ACCOUNT_URL}/media/parley-42.png", status=204)

    client.messaging.upload_media("parley-42.png", b"\x89PNG...", "image/png")

    (request,) = _api_requests()
    assert_request_matches_spec(request)
    assert request.body == b"\x89PNG..."
    assert request.headers["Content-Type"] == "image/png"


@responses.activate
def test_download_media_returns_bytes_and_type(client: BandwidthClient) -> None:
    media_id = "14762070468292kw2fuqty55yp2b2/0/bw.png"
    responses.get(f"{ACCOUNT_URL}/media/{media_id}", body=b"PNGDATA", content_type="image/png")

    content, content_type = client.messaging.download_media(media_id)

    assert (content, content_type) == (b"PNGDATA", "image/png")


@responses.activate
def test_download_media_refuses_more_than_max_bytes(client: BandwidthClient) -> None:
    responses.get(f"{ACCOUNT_URL}/media/big.png", body=b"0123456789", content_type="image/png")
    responses.get(f"{ACCOUNT_URL}/media/small.png", body=b"0123", content_type="image/png")

    with pytest.raises(PermanentError) as caught:
        client.messaging.download_media("big.png", max_bytes=9)
    content, _ = client.messaging.download_media("small.png", max_bytes=4)

    assert caught.value.code == "too-large"
    assert content == b"0123"


@responses.activate
def test_download_media_refuses_a_declared_length_over_max_bytes(
    client: BandwidthClient,
) -> None:
    responses.get(
        f"{ACCOUNT_URL}/media/big.png",
        body=b"01",
        content_type="image/png",
        headers={"Content-Length": "5000000"},
        auto_calculate_content_length=False,
    )

    with pytest.raises(PermanentError):
        client.messaging.download_media("big.png", max_bytes=1000)


@responses.activate
def test_delete_media(client: BandwidthClient) -> None:
    responses.delete(f"{ACCOUNT_URL}/media/parley-42.png", status=204)

    client.messaging.delete_media("parley-42.png")

    (request,) = _api_requests()
    assert_request_matches_spec(request)


@responses.activate
def test_list_media_follows_the_continuation_token(client: BandwidthClient) -> None:
    responses.get(
        f"{ACCOUNT_URL}/media",
        json=[
            {
                "contentLength": 561276,
                "mediaName": "parley-42.png",
                "content": f"{ACCOUNT_URL}/media/parley-42.png",
            }
        ],
        headers={"Continuation-Token": "page-2"},
    )
    responses.get(f"{ACCOUNT_URL}/media", json=[])

    first = client.messaging.list_media()
    second = client.messaging.list_media(continuation_token=first.continuation_token)

    first_request, second_request = _api_requests()
    assert_request_matches_spec(first_request)
    assert_request_matches_spec(second_request)
    assert "Continuation-Token" not in first_request.headers
    assert second_request.headers["Continuation-Token"] == "page-2"
    assert first.items[0].media_name == "parley-42.png"
    assert first.items[0].content_length == 561276
    assert first.continuation_token == "page-2"
    assert second.items == ()
    assert second.continuation_token is None


@pytest.mark.parametrize("media_id", ["../../messages", "a/../../b", "./x", "a//b", "%2e%2e/x"])
def test_media_calls_refuse_traversing_ids(media_id: str) -> None:
    client = BandwidthClient(oauth_credentials())

    with pytest.raises(ValueError):
        client.messaging.download_media(media_id)


GOOD_MEDIA_URL = f"{ACCOUNT_URL}/media/14762070468292kw2fuqty55yp2b2/0/bw.png"


def test_media_url_on_our_account_path_gives_the_media_id() -> None:
    assert (
        media_id_from_url(GOOD_MEDIA_URL, messaging_base_url=BASE_URL, account_id=ACCOUNT_ID)
        == "14762070468292kw2fuqty55yp2b2/0/bw.png"
    )
    client = BandwidthClient(oauth_credentials())
    assert client.messaging.media_id_from_url(GOOD_MEDIA_URL) == (
        "14762070468292kw2fuqty55yp2b2/0/bw.png"
    )


def test_explicit_default_port_and_host_case_are_the_same_host() -> None:
    url = f"https://MESSAGING.bandwidth.com:443/api/v2/users/{ACCOUNT_ID}/media/m1/0/a.jpg"

    assert (
        media_id_from_url(url, messaging_base_url=BASE_URL, account_id=ACCOUNT_ID) == "m1/0/a.jpg"
    )


def test_media_url_guard_follows_a_configured_emulator_base_url() -> None:
    base = "http://127.0.0.1:8765/api/v2"
    url = f"http://127.0.0.1:8765/api/v2/users/{ACCOUNT_ID}/media/m1/0/a.jpg"

    assert media_id_from_url(url, messaging_base_url=base, account_id=ACCOUNT_ID) == "m1/0/a.jpg"
    assert (
        media_id_from_url(
            url.replace(":8765", ":8766"), messaging_base_url=base, account_id=ACCOUNT_ID
        )
        is None
    )


HOSTILE_MEDIA_URLS = [
    pytest.param(
        f"http://messaging.bandwidth.com/api/v2/users/{ACCOUNT_ID}/media/m/0/a.png",
        id="http-instead-of-https",
    ),
    pytest.param(
        f"https://evil.example/api/v2/users/{ACCOUNT_ID}/media/m/0/a.png", id="other-host"
    ),
    pytest.param(
        f"https://messaging.bandwidth.com.evil.example/api/v2/users/{ACCOUNT_ID}/media/m/0/a.png",
        id="lookalike-host",
    ),
    pytest.param(
        f"https://169.254.169.254/api/v2/users/{ACCOUNT_ID}/media/m/0/a.png", id="metadata-ip"
    ),
    pytest.param(
        "https://messaging.bandwidth.com/api/v2/users/1234567/media/m/0/a.png", id="other-account"
    ),
    pytest.param(
        f"https://messaging.bandwidth.com/api/v2/users/{ACCOUNT_ID}0/media/m/0/a.png",
        id="account-prefix",
    ),
    pytest.param(
        f"https://user:pw@messaging.bandwidth.com/api/v2/users/{ACCOUNT_ID}/media/m/0/a.png",
        id="userinfo",
    ),
    pytest.param(
        f"https://messaging.bandwidth.com@evil.example/api/v2/users/{ACCOUNT_ID}/media/m/0/a.png",
        id="userinfo-host-trick",
    ),
    pytest.param(
        f"https://messaging.bandwidth.com:8443/api/v2/users/{ACCOUNT_ID}/media/m/0/a.png",
        id="other-port",
    ),
    pytest.param(f"{ACCOUNT_URL}/media/../../1234567/media/x", id="dot-dot"),
    pytest.param(f"{ACCOUNT_URL}/media/%2e%2e/%2e%2e/1234567/media/x", id="encoded-dot-dot"),
    pytest.param(f"{ACCOUNT_URL}/media/a%2f..%2fb", id="encoded-slash"),
    pytest.param(f"{ACCOUNT_URL}/media/a\\..\\b", id="backslash"),
    pytest.param(f"{ACCOUNT_URL}/media/", id="empty-id"),
    pytest.param(f"{ACCOUNT_URL}/messages/m/0/a.png", id="not-media"),
    pytest.param(f"{ACCOUNT_URL}/media/m/0/a.png?redirect=https://evil.example", id="query"),
    pytest.param(f"{ACCOUNT_URL}/media/m/0/a.png#frag", id="fragment"),
    pytest.param(f"https://messaging.bandwidth.com/api/v3/users/{ACCOUNT_ID}/media/m", id="path"),
    pytest.param("file:///etc/passwd", id="file-scheme"),
    pytest.param("https://messaging.bandwidth.com:99999/x", id="bad-port"),
    pytest.param("", id="empty"),
]


@pytest.mark.parametrize("url", HOSTILE_MEDIA_URLS)
def test_media_url_guard_refuses_hostile_urls(url: str) -> None:
    assert media_id_from_url(url, messaging_base_url=BASE_URL, account_id=ACCOUNT_ID) is None
