"""Every documented error status of each Bandwidth API becomes the right typed error."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import responses
from client_spec_validation import ACCOUNT_ID, basic_credentials

from bandwidth.client import BandwidthClient, reset_client_caches
from bandwidth.client.error_bodies import parse_retry_after
from bandwidth.errors import (
    AuthenticationError,
    BandwidthError,
    ConflictError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    TransientError,
    ValidationError,
)

MESSAGES_URL = f"https://messaging.bandwidth.com/api/v2/users/{ACCOUNT_ID}/messages"
CALLS_URL = f"https://voice.bandwidth.com/api/v2/accounts/{ACCOUNT_ID}/calls"
NUMBERS_URL = f"https://dashboard.bandwidth.com/api/accounts/{ACCOUNT_ID}"


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    reset_client_caches()


@pytest.fixture
def client() -> BandwidthClient:
    return BandwidthClient(basic_credentials())


def _send(client: BandwidthClient) -> None:
    client.messaging.send_message(
        application_id="93de2206-9669-4e07-948d-329f4b722ee2",
        from_="+12345678901",
        to=["+12345678902"],
        text="hello",
    )


def _create_call(client: BandwidthClient) -> None:
    client.voice.create_call(
        application_id="04e88489-df02-4e34-a0ee-27a91849555f",
        from_="+19195554312",
        to="+19195551234",
        answer_url="https://parley.example/voice/answer",
    )


MESSAGING_ERRORS = [
    (
        400,
        {
            "type": "request-validation",
            "description": "Your request could not be accepted",
            "fieldErrors": [
                {
                    "fieldName": "from",
                    "description": "'+invalid' must be replaced with a valid E164 number",
                }
            ],
        },
        ValidationError,
        "request-validation",
    ),
    (
        401,
        {"type": "unauthorized", "description": "Authentication Failed"},
        AuthenticationError,
        "unauthorized",
    ),
    (403, {"type": "forbidden", "description": "Access Denied"}, ForbiddenError, "forbidden"),
    (
        404,
        {
            "timestamp": "2019-09-09T19:02:19.253+0000",
            "status": 404,
            "error": "Not Found",
            "message": "Not Found",
            "path": "/api/v2/users/9900000/messages/happy",
        },
        NotFoundError,
        "Not Found",
    ),
    (
        415,
        {
            "type": "unsupported-content-type",
            "description": "Content type 'text/plain;charset=UTF-8' not supported.",
        },
        PermanentError,
        "unsupported-content-type",
    ),
    (
        429,
        {
            "type": "max-message-queue-size-exceeded",
            "description": "The SMS queue for your account is full",
        },
        RateLimitedError,
        "max-message-queue-size-exceeded",
    ),
    (500, {"type": "internal-error", "description": "boom"}, TransientError, "internal-error"),
]


@pytest.mark.parametrize(("status", "body", "error_class", "code"), MESSAGING_ERRORS)
@responses.activate
def test_messaging_error_statuses_map_to_typed_errors(
    client: BandwidthClient,
    status: int,
    body: dict[str, object],
    error_class: type[BandwidthError],
    code: str,
) -> None:
    responses.post(MESSAGES_URL, json=body, status=status)

    with pytest.raises(error_class) as caught:
        _send(client)

    assert type(caught.value) is error_class
    assert caught.value.status == status
    assert caught.value.code == code
    assert caught.value.raw_body == json.dumps(body)
    assert len(responses.calls) == 1


@responses.activate
def test_messaging_field_errors_are_kept(client: BandwidthClient) -> None:
    responses.post(MESSAGES_URL, json=MESSAGING_ERRORS[0][1], status=400)

    with pytest.raises(ValidationError) as caught:
        _send(client)

    assert caught.value.description == "Your request could not be accepted"
    assert caught.value.field_errors == (
        FieldError(
            field="from", description="'+invalid' must be replaced with a valid E164 number"
        ),
    )


VOICE_ERRORS = [
    (400, "validation", "Invalid to: must be an E164 telephone number", ValidationError),
    (401, "authentication-error", "The credentials provided were invalid", AuthenticationError),
    (403, "authorization-error", "Access is denied", ForbiddenError),
    (404, "validation", "Call [c-1] not found", NotFoundError),
    (405, "validation", "Method Not Allowed", PermanentError),
    (409, "validation", "Call [c-1] cannot be modified in its current state", ConflictError),
    (415, "validation", "Content type 'text/plain;charset=UTF-8' not supported", PermanentError),
    (429, "error", "Account call creation rate limit exceeded", RateLimitedError),
    (500, "internal-error", "An unknown internal error occurred", TransientError),
    (503, "system-overloaded", "Managing too many concurrent calls", TransientError),
]


@pytest.mark.parametrize(("status", "code", "description", "error_class"), VOICE_ERRORS)
@responses.activate
def test_voice_error_statuses_map_to_typed_errors(
    client: BandwidthClient,
    status: int,
    code: str,
    description: str,
    error_class: type[BandwidthError],
) -> None:
    responses.post(
        CALLS_URL, json={"type": code, "description": description, "id": None}, status=status
    )

    with pytest.raises(error_class) as caught:
        _create_call(client)

    assert type(caught.value) is error_class
    assert (caught.value.status, caught.value.code, caught.value.description) == (
        status,
        code,
        description,
    )
    assert len(responses.calls) == 1


@responses.activate
def test_server_errors_are_transient_but_not_ambiguous(client: BandwidthClient) -> None:
    responses.post(CALLS_URL, json={"type": "system-overloaded", "description": "x"}, status=503)

    with pytest.raises(TransientError) as caught:
        _create_call(client)

    assert caught.value.ambiguous is False


@responses.activate
def test_rate_limit_carries_retry_after_seconds(client: BandwidthClient) -> None:
    responses.post(
        CALLS_URL,
        json={"type": "error", "description": "Account call creation rate limit exceeded"},
        status=429,
        headers={"Retry-After": "7"},
    )

    with pytest.raises(RateLimitedError) as caught:
        _create_call(client)

    assert caught.value.retry_after == 7.0


@responses.activate
def test_rate_limit_without_retry_after(client: BandwidthClient) -> None:
    responses.post(MESSAGES_URL, json={"type": "rate_limit_exceeded"}, status=429)

    with pytest.raises(RateLimitedError) as caught:
        _send(client)

    assert caught.value.retry_after is None


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)

    assert parse_retry_after("120", now=now) == 120.0
    assert parse_retry_after(" 0 ", now=now) == 0.0
    assert parse_retry_after("Mon, 23 Nov 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Mon, 23 Nov 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("-5", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None, now=now) is None
    assert parse_retry_after("", now=now) is None


SEARCH_ERROR = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<SearchResult><Error><Code>4010</Code>
<Description>One of more required search parameters are null or empty</Description></Error>
</SearchResult>"""

ORDER_ERROR = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<OrderResponse><ErrorList>
<Error><Code>5016</Code><Description>The SiteId submitted is invalid.</Description></Error>
<Error><Code>5005</Code><Description>Telephone Number Unavailable</Description></Error>
</ErrorList><Order><CustomerOrderId>ord-1</CustomerOrderId><SiteId>763</SiteId></Order>
</OrderResponse>"""


@responses.activate
def test_numbers_search_error_body_becomes_validation_error(client: BandwidthClient) -> None:
    responses.get(f"{NUMBERS_URL}/availableNumbers", body=SEARCH_ERROR, status=400)

    with pytest.raises(ValidationError) as caught:
        client.numbers.search_available_numbers(area_code="919")

    assert caught.value.code == "4010"
    assert caught.value.description.startswith("One of more required search parameters")


@responses.activate
def test_numbers_error_list_keeps_every_code(client: BandwidthClient) -> None:
    responses.post(f"{NUMBERS_URL}/orders", body=ORDER_ERROR, status=400)

    with pytest.raises(ValidationError) as caught:
        client.numbers.create_order(
            customer_order_id="ord-1", site_id="763", numbers=["+19195551234"]
        )

    assert caught.value.code == "5016"
    assert [(error.code, error.description) for error in caught.value.errors] == [
        ("5016", "The SiteId submitted is invalid."),
        ("5005", "Telephone Number Unavailable"),
    ]


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (401, AuthenticationError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (409, ConflictError),
        (503, TransientError),
    ],
)
@responses.activate
def test_numbers_response_status_bodies_map_by_status(
    client: BandwidthClient, status: int, error_class: type[BandwidthError]
) -> None:
    body = (
        "<SipPeerResponse><ResponseStatus><ErrorCode>13566</ErrorCode>"
        "<Description>Our E911 service is unavaliable</Description></ResponseStatus>"
        "</SipPeerResponse>"
    )
    responses.post(f"{NUMBERS_URL}/sites/1/sippeers", body=body, status=status)

    with pytest.raises(error_class) as caught:
        client.numbers.create_sip_peer("1", name="tenant-1", is_default=True)

    assert type(caught.value) is error_class
    assert caught.value.code == "13566"
    assert caught.value.description == "Our E911 service is unavaliable"


@responses.activate
def test_numbers_empty_error_body_still_maps(client: BandwidthClient) -> None:
    responses.get(f"{NUMBERS_URL}/orders/missing", body="", status=404)

    with pytest.raises(NotFoundError) as caught:
        client.numbers.get_order("missing")

    assert caught.value.code is None
    assert caught.value.raw_body == ""


@responses.activate
def test_hostile_xml_error_body_is_not_expanded(client: BandwidthClient) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><SearchResult><Error><Code>&b;</Code>'
        "</Error></SearchResult>"
    )
    responses.get(f"{NUMBERS_URL}/availableNumbers", body=bomb, status=400)

    with pytest.raises(ValidationError) as caught:
        client.numbers.search_available_numbers(area_code="919")

    assert caught.value.code is None
    assert caught.value.description == "unreadable XML error body"


def test_numbers_errors_name_their_number_in_e164() -> None:
    from defusedxml.ElementTree import fromstring

    from bandwidth.client.error_bodies import xml_error_details

    body = (
        "<OrderResponse><ErrorList>"
        "<Error><Code>5005</Code><Description>Telephone number unavailable</Description>"
        "<TelephoneNumber>9195550123</TelephoneNumber></Error>"
        "<Error><Code>5076</Code><Description>Order failed</Description></Error>"
        "</ErrorList></OrderResponse>"
    )
    first, second = xml_error_details(fromstring(body))
    assert (first.code, first.telephone_number) == ("5005", "+19195550123")
    assert second.telephone_number is None
