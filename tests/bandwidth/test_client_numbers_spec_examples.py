"""The Numbers XML readers understand every example numbers.yml gives for what Parley calls.

Success examples go through the matching parser, error examples through the error mapping;
a test also fails when numbers.yml has an example for these operations that is not checked here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from client_spec_validation import numbers_spec

from bandwidth.client import numbers_xml
from bandwidth.client.error_bodies import error_from_response
from bandwidth.errors import (
    BandwidthError,
    ConflictError,
    ForbiddenError,
    TransientError,
    ValidationError,
)

ACCOUNT = "/accounts/{accountId}"
PRODUCTS = f"{ACCOUNT}/sites/{{siteId}}/sippeers/{{sipPeerId}}/products"

USED_OPERATIONS = [
    ("get", f"{ACCOUNT}/availableNumbers"),
    ("post", f"{ACCOUNT}/orders"),
    ("get", f"{ACCOUNT}/orders/{{orderId}}"),
    ("post", f"{ACCOUNT}/disconnects"),
    ("get", f"{ACCOUNT}/disconnects/{{disconnectId}}"),
    ("post", f"{ACCOUNT}/applications"),
    ("get", f"{ACCOUNT}/applications/{{applicationId}}"),
    ("put", f"{ACCOUNT}/applications/{{applicationId}}"),
    ("delete", f"{ACCOUNT}/applications/{{applicationId}}"),
    ("post", f"{ACCOUNT}/sites"),
    ("post", f"{ACCOUNT}/sites/{{siteId}}/sippeers"),
    ("post", f"{PRODUCTS}/messaging/features/sms"),
    ("get", f"{PRODUCTS}/messaging/features/sms"),
    ("put", f"{PRODUCTS}/messaging/features/sms"),
    ("post", f"{PRODUCTS}/messaging/features/mms"),
    ("get", f"{PRODUCTS}/messaging/features/mms"),
    ("put", f"{PRODUCTS}/messaging/applicationSettings"),
    ("get", f"{PRODUCTS}/messaging/applicationSettings"),
    ("post", f"{PRODUCTS}/origination/settings"),
    ("put", f"{PRODUCTS}/origination/settings"),
    ("get", f"{PRODUCTS}/origination/settings"),
    ("post", f"{ACCOUNT}/subscriptions"),
    ("get", f"{ACCOUNT}/subscriptions"),
    ("get", f"{ACCOUNT}/subscriptions/{{subscriptionid}}"),
    ("delete", f"{ACCOUNT}/subscriptions/{{subscriptionid}}"),
]

ExampleKey = tuple[str, str, str, str]


def _response_examples() -> dict[ExampleKey, str]:
    examples: dict[ExampleKey, str] = {}
    for method, path in USED_OPERATIONS:
        operation = numbers_spec()["paths"][path][method]
        for status, response in operation.get("responses", {}).items():
            content = (response.get("content") or {}).get("application/xml") or {}
            named = content.get("examples") or (
                {"example": {"value": content["example"]}} if "example" in content else {}
            )
            for name, example in named.items():
                examples[(method, path, str(status), name)] = example["value"]
    return examples


def _error(status: int, body: str) -> BandwidthError:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers["Content-Type"] = "application/xml"
    return error_from_response(response)


def _check_search(body: str) -> None:
    numbers = numbers_xml.parse_available_numbers(body)
    assert [number.e164 for number in numbers] == ["+14354776112", "+14357095160"]
    assert numbers[0].city is None


def _check_search_error(body: str) -> None:
    error = _error(400, body)
    assert isinstance(error, ValidationError)
    assert error.code == "4010"
    assert error.description.startswith("One of more required search parameters")


def _check_order_created(body: str) -> None:
    result = numbers_xml.parse_order_response(body)
    assert result.order_id == "34adcd9f-2c4a-4631-9dae-d1f318ed57bc"
    assert result.customer_order_id == "123456789"
    assert result.site_id == "3013"
    assert result.order_create_date == "2014-07-11T17:13:57.788Z"
    assert result.status is None
    assert result.errors == ()


def _check_order_error(body: str) -> None:
    error = _error(400, body)
    assert isinstance(error, ValidationError)
    assert [(e.code, e.description) for e in error.errors] == [
        ("5016", "The SiteId submitted is invalid.")
    ]
    result = numbers_xml.parse_order_response(body)
    assert result.errors == error.errors
    assert result.customer_order_id == "123456789"


def _check_order_complete(body: str) -> None:
    result = numbers_xml.parse_order_response(body)
    assert result.status == "COMPLETE"
    assert result.customer_order_id == "123456789"
    assert result.completed_numbers == ("+18042105666",)
    assert result.failed_numbers == ()
    assert (result.site_id, result.peer_id) == ("743", "303716")
    assert result.order_complete_date == "2014-01-06T19:09:44.041Z"
    assert result.last_modified_date == "2014-01-06T19:09:44.027Z"


def _check_disconnect_created(body: str) -> None:
    result = numbers_xml.parse_disconnect_response(body)
    assert result.order_id == "ba05e04b-192a-47cb-b182-b1bf6cfef0d7"
    assert result.customer_order_id == "My OrderId"
    assert result.status == "RECEIVED"
    assert result.requested_numbers == ("+14158714245", "+14352154439", "+14352154466")
    assert result.disconnected_numbers == ()


def _check_disconnect_error(body: str) -> None:
    error = _error(400, body)
    assert isinstance(error, ValidationError)
    assert (error.code, error.description) == ("54321", "Some error description")
    assert numbers_xml.parse_disconnect_response(body).requested_numbers == ("+14158714245",)


def _check_disconnect_complete(body: str) -> None:
    result = numbers_xml.parse_disconnect_response(body)
    assert result.order_id == "4ffe9262-1965-4479-a1d5-b8584440667d"
    assert result.status == "COMPLETE"
    assert result.disconnected_numbers == ("+19194392566",)
    assert result.requested_numbers == ("+19194392566",)


def _check_messaging_app_created(body: str) -> None:
    app = numbers_xml.parse_application(body)
    assert app.application_id == "d4d1b41d-4c05-47d0-838a-34e4f14e4e3e"
    assert (app.service_type, app.name) == ("Messaging-V2", "EBVICs")
    assert app.inbound_callback_url == "https://example.com"
    assert app.outbound_callback_url == "https://example2.com"
    assert (app.inbound_callback_user, app.outbound_callback_user) == ("15jPWZmXdm", "15jPWZmXdm")
    assert app.requested_callback_types == (
        "message-delivered",
        "message-failed",
        "message-sending",
    )


def _check_voice_app_created(body: str) -> None:
    app = numbers_xml.parse_application(body)
    assert app.application_id == "d3e418e9-1833-49c1-b6c7-ca1700f79586"
    assert (app.service_type, app.name) == ("Voice-V2", "v1")
    assert (app.call_initiated_callback_url, app.call_initiated_method) == ("https://a.com", "GET")
    assert (app.call_status_callback_url, app.call_status_method) == ("https://b.com", "GET")
    assert app.callback_user == "login123"
    assert app.callback_timeout == 20


def _check_messaging_app_fetched(body: str) -> None:
    app = numbers_xml.parse_application(body)
    assert app.application_id == "e5a9e103-097e-4ec4-87a0-50109fb7b4b1"
    assert (app.service_type, app.name) == ("Messaging", "qMmmTT")
    assert app.inbound_callback_user == "15jPWZmXdm"
    assert len(app.requested_callback_types) == 3


def _check_voice_app_fetched(body: str) -> None:
    app = numbers_xml.parse_application(body)
    assert (app.service_type, app.name) == ("Voice", "qMmmTT")
    assert app.call_initiated_callback_url == "http://example.com"
    assert app.call_status_callback_url is None
    assert app.callback_user == "15jPWZmXdm"


def _check_messaging_app_updated(body: str) -> None:
    app = numbers_xml.parse_application(body)
    assert (app.service_type, app.name) == ("Messaging", "EBVICs")
    assert app.outbound_callback_url == "http://example2.com"
    assert app.inbound_callback_user is None


def _check_voice_app_updated(body: str) -> None:
    app = numbers_xml.parse_application(body)
    assert app.call_initiated_callback_url == "https://example2.com"
    assert app.call_status_callback_url == "https://example3.com"


def _check_site_created(body: str) -> None:
    site = numbers_xml.parse_site(body)
    assert (site.site_id, site.name) == ("3013", "Raleigh")


def _checker_for_error(
    status: int, error_class: type[BandwidthError], code: str, description_start: str
) -> Callable[[str], None]:
    def check(body: str) -> None:
        error = _error(status, body)
        assert type(error) is error_class
        assert error.code == code
        assert error.description.startswith(description_start)

    return check


def _check_sms_feature(protocol: str, zones: tuple[int, ...], toll_free: bool) -> Any:
    def check(body: str) -> None:
        feature = numbers_xml.parse_sms_feature(body)
        assert (feature.protocol, feature.zones, feature.toll_free) == (protocol, zones, toll_free)
        assert feature.short_code is True

    return check


def _check_mms_feature(protocol: str) -> Callable[[str], None]:
    def check(body: str) -> None:
        assert numbers_xml.parse_mms_feature(body).protocol == protocol

    return check


def _check_messaging_settings(app_id: str) -> Callable[[str], None]:
    def check(body: str) -> None:
        assert numbers_xml.parse_messaging_application_settings(body) == app_id

    return check


def _check_origination(protocol: str, app_id: str | None) -> Callable[[str], None]:
    def check(body: str) -> None:
        settings = numbers_xml.parse_origination_settings(body)
        assert (settings.voice_protocol, settings.voice_application_id) == (protocol, app_id)

    return check


def _check_subscription_list(body: str) -> None:
    subscriptions = numbers_xml.parse_subscriptions(body)
    assert [s.subscription_id for s in subscriptions] == [
        "0b3aa54d-0ce5-4f5b-bd75-1c30967b197f",
        "ddf05927-780f-4f8f-89ab-e581f52f5f20",
        "1b2av54d-0ce5-4f5b-bd75-1c30967b197f",
        "1cf05927-780f-4f8f-89ab-e581f52f5e12",
    ]
    assert subscriptions[0].order_type == "orders"
    assert subscriptions[0].email == "bwtest@gmail.com"
    assert subscriptions[1].url == '"https://company.com/iriscallback"'
    assert (subscriptions[1].expiry, subscriptions[1].username) == (30000, "iris")
    assert subscriptions[2].event_type == "MESSAGING_LOST"


def _check_subscription(
    subscription_id: str,
    order_type: str | None,
    event_type: str | None,
    url: str | None,
    expiry: int | None,
) -> Callable[[str], None]:
    def check(body: str) -> None:
        (subscription,) = numbers_xml.parse_subscriptions(body)
        assert subscription.subscription_id == subscription_id
        assert (subscription.order_type, subscription.event_type) == (order_type, event_type)
        assert (subscription.url, subscription.expiry) == (url, expiry)

    return check


SIP_PEER_ADDRESS = "The verifiable address closest"
CHECKS: dict[ExampleKey, Callable[[str], None]] = {
    ("get", f"{ACCOUNT}/availableNumbers", "200", "example"): _check_search,
    ("get", f"{ACCOUNT}/availableNumbers", "400", "example"): _check_search_error,
    ("post", f"{ACCOUNT}/orders", "201", "example"): _check_order_created,
    ("post", f"{ACCOUNT}/orders", "400", "example"): _check_order_error,
    ("get", f"{ACCOUNT}/orders/{{orderId}}", "200", "example"): _check_order_complete,
    ("post", f"{ACCOUNT}/disconnects", "201", "example"): _check_disconnect_created,
    ("post", f"{ACCOUNT}/disconnects", "400", "example"): _check_disconnect_error,
    (
        "get",
        f"{ACCOUNT}/disconnects/{{disconnectId}}",
        "200",
        "example",
    ): _check_disconnect_complete,
    ("post", f"{ACCOUNT}/applications", "201", "messaging"): _check_messaging_app_created,
    ("post", f"{ACCOUNT}/applications", "201", "voice"): _check_voice_app_created,
    (
        "get",
        f"{ACCOUNT}/applications/{{applicationId}}",
        "200",
        "messaging",
    ): _check_messaging_app_fetched,
    ("get", f"{ACCOUNT}/applications/{{applicationId}}", "200", "voice"): _check_voice_app_fetched,
    (
        "put",
        f"{ACCOUNT}/applications/{{applicationId}}",
        "200",
        "messaging",
    ): _check_messaging_app_updated,
    ("put", f"{ACCOUNT}/applications/{{applicationId}}", "200", "voice"): _check_voice_app_updated,
    ("post", f"{ACCOUNT}/sites", "201", "example"): _check_site_created,
    ("post", f"{ACCOUNT}/sites", "400", "example"): _checker_for_error(
        400, ValidationError, "1003", "Address is required"
    ),
    ("post", f"{ACCOUNT}/sites", "409", "example"): _checker_for_error(
        409, ConflictError, "12112", SIP_PEER_ADDRESS
    ),
    ("post", f"{ACCOUNT}/sites/{{siteId}}/sippeers", "400", "example"): _checker_for_error(
        400, ValidationError, "13582", "Enforce option is missing"
    ),
    ("post", f"{ACCOUNT}/sites/{{siteId}}/sippeers", "409", "example"): _checker_for_error(
        409, ConflictError, "12112", SIP_PEER_ADDRESS
    ),
    ("post", f"{ACCOUNT}/sites/{{siteId}}/sippeers", "503", "example"): _checker_for_error(
        503, TransientError, "13566", "Our E911 service is unavaliable"
    ),
    ("post", f"{PRODUCTS}/messaging/features/sms", "201", "example"): _check_sms_feature(
        "SMPP", (1, 2, 3, 4, 5), True
    ),
    ("post", f"{PRODUCTS}/messaging/features/sms", "400", "example"): _checker_for_error(
        400, ValidationError, "13609", "Can't create sip peer http protocol sms feature"
    ),
    ("post", f"{PRODUCTS}/messaging/features/sms", "403", "example"): _checker_for_error(
        403, ForbiddenError, "13674", "Configuring subnet values larger than /20"
    ),
    ("get", f"{PRODUCTS}/messaging/features/sms", "200", "example"): _check_sms_feature(
        "SMPP", (1, 2, 3, 4, 5), True
    ),
    ("put", f"{PRODUCTS}/messaging/features/sms", "200", "example"): _check_sms_feature(
        "SMPP", (1,), False
    ),
    ("put", f"{PRODUCTS}/messaging/features/sms", "400", "example"): _checker_for_error(
        400, ValidationError, "13637", "CampaignID shouldn't be present"
    ),
    ("put", f"{PRODUCTS}/messaging/features/sms", "403", "example"): _checker_for_error(
        403, ForbiddenError, "13674", "Configuring subnet values larger than /20"
    ),
    ("post", f"{PRODUCTS}/messaging/features/mms", "201", "example"): _check_mms_feature("MM4"),
    ("post", f"{PRODUCTS}/messaging/features/mms", "400", "example"): _checker_for_error(
        400, ValidationError, "13606", "Messaging feature may have only one protocol"
    ),
    ("get", f"{PRODUCTS}/messaging/features/mms", "200", "example"): _check_mms_feature("HTTP"),
    ("put", f"{PRODUCTS}/messaging/applicationSettings", "200", "example"): (
        _check_messaging_settings("c3b0f805-06ab-4d36-8bf4-8baff7623398")
    ),
    ("get", f"{PRODUCTS}/messaging/applicationSettings", "200", "example"): (
        _check_messaging_settings("4a4ca6c1-156b-4fca-84e9-34e35e2afc32")
    ),
    ("post", f"{PRODUCTS}/origination/settings", "201", "example"): _check_origination(
        "HTTP", "469ebbac-4459-4d98-bc19-a038960e787f"
    ),
    ("post", f"{PRODUCTS}/origination/settings", "400", "example"): _checker_for_error(
        400, ValidationError, "13609", "Can't create sip peer http protocol sms feature"
    ),
    ("get", f"{PRODUCTS}/origination/settings", "200", "HTTP Voice protocol"): _check_origination(
        "HTTP", "469ebbac-4459-4d98-bc19-a038960e787f"
    ),
    ("get", f"{PRODUCTS}/origination/settings", "200", "SIP Voice protocol"): _check_origination(
        "SIP", None
    ),
    ("get", f"{ACCOUNT}/subscriptions", "200", "example"): _check_subscription_list,
    (
        "get",
        f"{ACCOUNT}/subscriptions/{{subscriptionid}}",
        "200",
        "eventCallbackSubscription",
    ): _check_subscription(
        "091a60d7-a612-48a5-a86e-326b51997cad",
        None,
        "MESSAGING_LOST",
        "http://customer.com:8087/path/BandwidthHandler",
        4283455101,
    ),
    (
        "get",
        f"{ACCOUNT}/subscriptions/{{subscriptionid}}",
        "200",
        "eventEmailSubscription",
    ): _check_subscription(
        "957f9be6-2e81-47bb-afd9-b8c184e9e247", None, "MESSAGING_LOST", None, None
    ),
    (
        "get",
        f"{ACCOUNT}/subscriptions/{{subscriptionid}}",
        "200",
        "orderCallbackSubscription",
    ): _check_subscription(
        "991a60d7-a612-48a5-a86e-326b51997cac",
        "portins",
        None,
        "http://customer.com:8087/path/BandwidthHandler",
        4283455101,
    ),
    (
        "get",
        f"{ACCOUNT}/subscriptions/{{subscriptionid}}",
        "200",
        "orderEmailSubscription",
    ): _check_subscription("257f9be6-2e81-47bb-afd9-b8c184e9e246", "portouts", None, None, None),
}


def test_every_spec_example_of_the_used_operations_is_checked() -> None:
    assert set(_response_examples()) == set(CHECKS)


@pytest.mark.parametrize("key", sorted(CHECKS), ids=lambda key: " ".join(key))
def test_spec_example_is_read(key: ExampleKey) -> None:
    CHECKS[key](_response_examples()[key])
