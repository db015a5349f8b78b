"""Numbers (Dashboard) API calls: XML bodies, URLs, E.164 conversion and typed answers."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
import pytest
import responses
from client_spec_validation import (
    ACCOUNT_ID,
    assert_numbers_request_matches_spec,
    basic_credentials,
    numbers_spec,
)
from recorded_requests import body_xml, query_params

from bandwidth.client import BandwidthClient, reset_client_caches
from bandwidth.client.numbers_xml import (
    CallbackCredentials,
    SiteAddress,
    build_disconnect,
    build_messaging_application,
    build_messaging_application_settings,
    build_mms_feature,
    build_order,
    build_origination_settings,
    build_sip_peer,
    build_site,
    build_sms_feature,
    build_subscription,
    build_voice_application,
    id_from_location,
    to_e164,
    to_wire_number,
)

ACCOUNT_URL = f"https://dashboard.bandwidth.com/api/accounts/{ACCOUNT_ID}"
PEER_URL = f"{ACCOUNT_URL}/sites/461/sippeers/518824/products"
ORDER_ID = "47955555-67aa-4adb-8c0f-b6894e60c0dc"


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    reset_client_caches()


@pytest.fixture
def client() -> Iterator[BandwidthClient]:
    """A client whose mocked calls are all checked against numbers.yml after the test."""
    responses.start()
    try:
        yield BandwidthClient(basic_credentials())
        for call in responses.calls:
            assert_numbers_request_matches_spec(call.request)
    finally:
        responses.stop()
        responses.reset()


def _sent_xml() -> Element:
    (call,) = responses.calls
    assert call.request.headers["Content-Type"] == "application/xml; charset=utf-8"
    root: Element = body_xml(call.request)
    return root


def _texts(root: Element, path: str) -> list[str]:
    return [node.text or "" for node in root.findall(path)]


def test_numbers_convert_between_e164_and_ten_digits() -> None:
    assert to_wire_number("+19195551234") == "9195551234"
    assert to_e164("9195551234") == "+19195551234"
    assert to_e164("19195551234") == "+19195551234"
    assert to_e164("+19195551234") == "+19195551234"
    for bad in ("9195551234", "+449195551234", "+1919555123", "+1919555123x"):
        with pytest.raises(ValueError):
            to_wire_number(bad)
    with pytest.raises(ValueError):
        to_e164("12345")


def test_search_by_area_code_with_details(client: BandwidthClient) -> None:
    responses.get(
        f"{ACCOUNT_URL}/availableNumbers",
        body="""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<SearchResult><ResultCount>2</ResultCount><TelephoneNumberDetailList>
<TelephoneNumberDetail><City>KNIGHTDALE</City><LATA>426</LATA><RateCenter>KNIGHTDALE</RateCenter>
<State>NC</State><FullNumber>9192956932</FullNumber><Tier>0</Tier><VendorId>49</VendorId>
<VendorName>Bandwidth CLEC</VendorName></TelephoneNumberDetail>
<TelephoneNumberDetail><City>RALEIGH</City><LATA>426</LATA><RateCenter>RALEIGH</RateCenter>
<State>NC</State><FullNumber>9192956933</FullNumber></TelephoneNumberDetail>
</TelephoneNumberDetailList></SearchResult>""",
    )

    numbers = client.numbers.search_available_numbers(area_code="919", quantity=2)

    assert query_params(responses.calls[0].request) == {
        "areaCode": ["919"],
        "quantity": ["2"],
        "enableTNDetail": ["true"],
    }
    assert [number.e164 for number in numbers] == ["+19192956932", "+19192956933"]
    first = numbers[0]
    assert (first.city, first.state, first.rate_center, first.lata) == (
        "KNIGHTDALE",
        "NC",
        "KNIGHTDALE",
        "426",
    )


@pytest.mark.parametrize(
    ("criteria", "params"),
    [
        ({"city": "RALEIGH", "state": "NC"}, {"city": "RALEIGH", "state": "NC"}),
        ({"zip_code": "27606"}, {"zip": "27606"}),
        ({"toll_free_pattern": "8**"}, {"tollFreeWildCardPattern": "8**"}),
    ],
)
def test_search_criteria(
    client: BandwidthClient, criteria: dict[str, str], params: dict[str, str]
) -> None:
    responses.get(f"{ACCOUNT_URL}/availableNumbers", body="<SearchResult/>")

    assert client.numbers.search_available_numbers(**criteria, quantity=5) == []

    assert query_params(responses.calls[0].request) == {
        **{name: [value] for name, value in params.items()},
        "quantity": ["5"],
        "enableTNDetail": ["true"],
    }


@pytest.mark.parametrize(
    "criteria",
    [{}, {"area_code": "919", "zip_code": "27606"}, {"city": "RALEIGH"}, {"state": "NC"}],
)
def test_search_needs_exactly_one_criterion(
    client: BandwidthClient, criteria: dict[str, str]
) -> None:
    with pytest.raises(ValueError):
        client.numbers.search_available_numbers(**criteria)  # type: ignore[arg-type]


def test_order_existing_numbers(client: BandwidthClient) -> None:
    responses.post(
        f"{ACCOUNT_URL}/orders",
        status=201,
        body=f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<OrderResponse><Order><CustomerOrderId>tenant42-ord-0001</CustomerOrderId>
<OrderCreateDate>2018-01-23T19:56:29.678Z</OrderCreateDate><BackOrderRequested>false</BackOrderRequested>
<id>{ORDER_ID}</id><ExistingTelephoneNumberOrderType><TelephoneNumberList>
<TelephoneNumber>6672286710</TelephoneNumber></TelephoneNumberList></ExistingTelephoneNumberOrderType>
<PartialAllowed>false</PartialAllowed><SiteId>461</SiteId><PeerId>518824</PeerId></Order>
<OrderStatus>RECEIVED</OrderStatus></OrderResponse>""",
    )

    result = client.numbers.create_order(
        customer_order_id="tenant42-ord-0001",
        site_id="461",
        peer_id="518824",
        numbers=["+16672286710"],
    )

    sent = _sent_xml()
    assert sent.tag == "Order"
    assert [child.tag for child in sent] == [
        "CustomerOrderId",
        "SiteId",
        "PeerId",
        "PartialAllowed",
        "ExistingTelephoneNumberOrderType",
    ]
    assert _texts(sent, "ExistingTelephoneNumberOrderType/TelephoneNumberList/TelephoneNumber") == [
        "6672286710"
    ]
    assert _texts(sent, "PartialAllowed") == ["false"]
    assert result.order_id == ORDER_ID
    assert result.customer_order_id == "tenant42-ord-0001"
    assert result.status == "RECEIVED"
    assert (result.site_id, result.peer_id) == ("461", "518824")
    assert result.order_create_date == "2018-01-23T19:56:29.678Z"


def test_order_by_area_code(client: BandwidthClient) -> None:
    responses.post(f"{ACCOUNT_URL}/orders", status=201, body="<OrderResponse/>")

    client.numbers.create_order(
        customer_order_id="ord-2", site_id="743", area_code="435", quantity=3, partial_allowed=True
    )

    sent = _sent_xml()
    assert _texts(sent, "AreaCodeSearchAndOrderType/AreaCode") == ["435"]
    assert _texts(sent, "AreaCodeSearchAndOrderType/Quantity") == ["3"]
    assert _texts(sent, "PartialAllowed") == ["true"]
    assert sent.find("PeerId") is None


def test_order_needs_numbers_or_an_area_code() -> None:
    with pytest.raises(ValueError):
        build_order(customer_order_id="x", site_id="1")
    with pytest.raises(ValueError):
        build_order(customer_order_id="x", site_id="1", numbers=["+19195551234"], area_code="919")
    with pytest.raises(ValueError):
        build_order(customer_order_id="x", site_id="1", numbers=[])


def test_get_order_asks_for_tn_details_and_reads_completed_and_failed_numbers(
    client: BandwidthClient,
) -> None:
    responses.get(
        f"{ACCOUNT_URL}/orders/{ORDER_ID}",
        body="""<OrderResponse><CompletedQuantity>1</CompletedQuantity>
<LastModifiedDate>2014-01-06T19:09:44.027Z</LastModifiedDate>
<OrderCompleteDate>2014-01-06T19:09:44.041Z</OrderCompleteDate>
<Order><CustomerOrderId>ord-1</CustomerOrderId><id>47955555-67aa-4adb-8c0f-b6894e60c0dc</id>
<SiteId>743</SiteId></Order><OrderStatus>PARTIAL</OrderStatus>
<CompletedNumbers><TelephoneNumber><FullNumber>8042105666</FullNumber></TelephoneNumber>
</CompletedNumbers><FailedNumbers><FullNumber>8042105667</FullNumber></FailedNumbers>
<ErrorList><Error><Code>5005</Code><Description>Telephone Number Unavailable</Description>
</Error></ErrorList><FailedQuantity>1</FailedQuantity></OrderResponse>""",
    )

    result = client.numbers.get_order(ORDER_ID)

    assert query_params(responses.calls[0].request) == {"tndetail": ["true"]}
    assert result.status == "PARTIAL"
    assert result.completed_numbers == ("+18042105666",)
    assert result.failed_numbers == ("+18042105667",)
    assert [(error.code, error.description) for error in result.errors] == [
        ("5005", "Telephone Number Unavailable")
    ]
    assert result.order_complete_date == "2014-01-06T19:09:44.041Z"
    assert result.last_modified_date == "2014-01-06T19:09:44.027Z"


def test_disconnect_numbers(client: BandwidthClient) -> None:
    responses.post(
        f"{ACCOUNT_URL}/disconnects",
        status=201,
        body="""<DisconnectTelephoneNumberOrderResponse><orderRequest>
<CustomerOrderId>rel-1</CustomerOrderId><OrderCreateDate>2018-01-23T21:00:23.802Z</OrderCreateDate>
<id>df2gc2e2-653d-466c-945d-8f292f09ce55</id><DisconnectTelephoneNumberOrderType>
<TelephoneNumberList><TelephoneNumber>5405514342</TelephoneNumber></TelephoneNumberList>
<DisconnectMode>normal</DisconnectMode></DisconnectTelephoneNumberOrderType></orderRequest>
<OrderStatus>RECEIVED</OrderStatus></DisconnectTelephoneNumberOrderResponse>""",
    )

    result = client.numbers.create_disconnect(customer_order_id="rel-1", numbers=["+15405514342"])

    sent = _sent_xml()
    assert sent.tag == "DisconnectTelephoneNumberOrder"
    assert _texts(sent, "CustomerOrderId") == ["rel-1"]
    assert _texts(
        sent, "DisconnectTelephoneNumberOrderType/TelephoneNumberList/TelephoneNumber"
    ) == ["5405514342"]
    assert result.order_id == "df2gc2e2-653d-466c-945d-8f292f09ce55"
    assert result.status == "RECEIVED"
    assert result.requested_numbers == ("+15405514342",)


def test_get_disconnect(client: BandwidthClient) -> None:
    responses.get(
        f"{ACCOUNT_URL}/disconnects/d-1",
        body="""<DisconnectTelephoneNumberOrderResponse><DisconnectedTelephoneNumberList>
<TelephoneNumber>9194392566</TelephoneNumber></DisconnectedTelephoneNumberList>
<orderRequest><id>d-1</id></orderRequest><OrderStatus>COMPLETE</OrderStatus>
</DisconnectTelephoneNumberOrderResponse>""",
    )

    result = client.numbers.get_disconnect("d-1")

    assert query_params(responses.calls[0].request) == {"tndetail": ["true"]}
    assert result.status == "COMPLETE"
    assert result.disconnected_numbers == ("+19194392566",)


MESSAGING_APP_ANSWER = """<ApplicationProvisioningResponse><Application>
<ApplicationId>d4d1b41d-4c05-47d0-838a-34e4f14e4e3e</ApplicationId><ServiceType>Messaging-V2</ServiceType>
<AppName>tenant-42-sms</AppName>
<InboundCallbackUrl>https://parley.example/webhooks/bandwidth/messaging/</InboundCallbackUrl>
<OutboundCallbackUrl>https://parley.example/webhooks/bandwidth/messaging/</OutboundCallbackUrl>
<InboundCallbackCreds><UserId>bw-hook</UserId></InboundCallbackCreds>
<OutboundCallbackCreds><UserId>bw-hook</UserId></OutboundCallbackCreds>
<RequestedCallbackTypes><CallbackType>message-sending</CallbackType>
<CallbackType>message-delivered</CallbackType><CallbackType>message-failed</CallbackType>
</RequestedCallbackTypes></Application></ApplicationProvisioningResponse>"""


def test_create_messaging_application(client: BandwidthClient) -> None:
    responses.post(f"{ACCOUNT_URL}/applications", status=201, body=MESSAGING_APP_ANSWER)
    hook = CallbackCredentials(user_id="bw-hook", password="hook-secret")

    application = client.numbers.create_messaging_application(
        name="tenant-42-sms",
        inbound_callback_url="https://parley.example/webhooks/bandwidth/messaging/",
        outbound_callback_url="https://parley.example/webhooks/bandwidth/messaging/",
        inbound_credentials=hook,
        outbound_credentials=hook,
    )

    sent = _sent_xml()
    assert sent.tag == "Application"
    assert _texts(sent, "ServiceType") == ["Messaging-V2"]
    assert _texts(sent, "AppName") == ["tenant-42-sms"]
    assert _texts(sent, "InboundCallbackCreds/UserId") == ["bw-hook"]
    assert _texts(sent, "InboundCallbackCreds/Password") == ["hook-secret"]
    assert _texts(sent, "OutboundCallbackCreds/Password") == ["hook-secret"]
    assert _texts(sent, "RequestedCallbackTypes/CallbackType") == [
        "message-sending",
        "message-delivered",
        "message-failed",
    ]
    assert application.application_id == "d4d1b41d-4c05-47d0-838a-34e4f14e4e3e"
    assert application.service_type == "Messaging-V2"
    assert application.inbound_callback_user == "bw-hook"
    assert "message-delivered" in application.requested_callback_types


def test_update_get_and_delete_application(client: BandwidthClient) -> None:
    app_url = f"{ACCOUNT_URL}/applications/d4d1b41d-4c05-47d0-838a-34e4f14e4e3e"
    responses.put(app_url, body=MESSAGING_APP_ANSWER)
    responses.get(app_url, body=MESSAGING_APP_ANSWER)
    responses.delete(app_url, status=200)

    client.numbers.update_messaging_application(
        "d4d1b41d-4c05-47d0-838a-34e4f14e4e3e",
        name="tenant-42-sms",
        inbound_callback_url="https://parley.example/in",
        outbound_callback_url="https://parley.example/out",
    )
    fetched = client.numbers.get_application("d4d1b41d-4c05-47d0-838a-34e4f14e4e3e")
    client.numbers.delete_application("d4d1b41d-4c05-47d0-838a-34e4f14e4e3e")

    assert [call.request.method for call in responses.calls] == ["PUT", "GET", "DELETE"]
    assert fetched.name == "tenant-42-sms"


def test_create_voice_application(client: BandwidthClient) -> None:
    responses.post(
        f"{ACCOUNT_URL}/applications",
        status=201,
        body="""<ApplicationProvisioningResponse><Application>
<ApplicationId>d3e418e9-1833-49c1-b6c7-ca1700f79586</ApplicationId><ServiceType>Voice-V2</ServiceType>
<AppName>tenant-42-voice</AppName>
<CallInitiatedCallbackUrl>https://parley.example/webhooks/bandwidth/voice/</CallInitiatedCallbackUrl>
<CallInitiatedMethod>POST</CallInitiatedMethod>
<CallStatusCallbackUrl>https://parley.example/webhooks/bandwidth/voice/</CallStatusCallbackUrl>
<CallStatusMethod>POST</CallStatusMethod><CallbackCreds><UserId>bw-hook</UserId></CallbackCreds>
</Application></ApplicationProvisioningResponse>""",
    )

    application = client.numbers.create_voice_application(
        name="tenant-42-voice",
        call_initiated_callback_url="https://parley.example/webhooks/bandwidth/voice/",
        call_status_callback_url="https://parley.example/webhooks/bandwidth/voice/",
        callback_credentials=CallbackCredentials(user_id="bw-hook", password="hook-secret"),
    )

    sent = _sent_xml()
    assert _texts(sent, "ServiceType") == ["Voice-V2"]
    assert _texts(sent, "CallInitiatedCallbackUrl") == [
        "https://parley.example/webhooks/bandwidth/voice/"
    ]
    assert _texts(sent, "CallStatusCallbackUrl") == [
        "https://parley.example/webhooks/bandwidth/voice/"
    ]
    assert _texts(sent, "CallbackCreds/UserId") == ["bw-hook"]
    assert _texts(sent, "CallbackCreds/Password") == ["hook-secret"]
    assert application.application_id == "d3e418e9-1833-49c1-b6c7-ca1700f79586"
    assert application.callback_user == "bw-hook"
    assert application.call_status_method == "POST"


def test_create_site_returns_its_id(client: BandwidthClient) -> None:
    responses.post(
        f"{ACCOUNT_URL}/sites",
        status=201,
        body="<SiteResponse><Site><Id>3013</Id><Name>t42</Name></Site></SiteResponse>",
    )

    site_id = client.numbers.create_site(
        name="t42",
        description="Parley tenant 42",
        address=SiteAddress(
            house_number="1600",
            street_name="PENNSYLVANIA AVE NW",
            city="WASHINGTON",
            state_code="DC",
            zip_code="20006",
        ),
    )

    sent = _sent_xml()
    assert _texts(sent, "Name") == ["t42"]
    assert _texts(sent, "Address/StateCode") == ["DC"]
    assert site_id == "3013"


def test_create_sip_peer_takes_the_id_from_location(client: BandwidthClient) -> None:
    responses.post(
        f"{ACCOUNT_URL}/sites/461/sippeers",
        status=201,
        headers={"Location": f"{ACCOUNT_URL}/sites/461/sippeers/518824"},
    )

    peer_id = client.numbers.create_sip_peer("461", name="t42-loc", is_default=True)

    sent = _sent_xml()
    assert sent.tag == "SipPeer"
    assert _texts(sent, "PeerName") == ["t42-loc"]
    assert _texts(sent, "IsDefaultPeer") == ["true"]
    assert peer_id == "518824"


def test_id_from_location_needs_a_location() -> None:
    assert id_from_location("/accounts/1/subscriptions/abc/") == "abc"
    with pytest.raises(ValueError):
        id_from_location(None)


def test_enable_sms_then_mms(client: BandwidthClient) -> None:
    responses.post(
        f"{PEER_URL}/messaging/features/sms",
        status=201,
        body="""<SipPeerSmsFeatureResponse><SipPeerSmsFeature><SipPeerSmsFeatureSettings>
<TollFree>false</TollFree><ShortCode>false</ShortCode><Protocol>HTTP</Protocol><Zone1>true</Zone1>
<Zone2>true</Zone2><Zone3>true</Zone3><Zone4>true</Zone4><Zone5>true</Zone5>
</SipPeerSmsFeatureSettings><HttpSettings/></SipPeerSmsFeature></SipPeerSmsFeatureResponse>""",
    )
    responses.post(
        f"{PEER_URL}/messaging/features/mms",
        status=201,
        body="""<MmsFeatureResponse><MmsFeature><MmsSettings><Protocol>HTTP</Protocol></MmsSettings>
<Protocols><HTTP><HttpSettings/></HTTP></Protocols></MmsFeature></MmsFeatureResponse>""",
    )

    sms = client.numbers.enable_sms("461", "518824")
    mms = client.numbers.enable_mms("461", "518824")

    sms_call, mms_call = responses.calls
    sms_body = body_xml(sms_call.request)
    mms_body = body_xml(mms_call.request)
    assert sms_body.tag == "SipPeerSmsFeature"
    assert _texts(sms_body, "SipPeerSmsFeatureSettings/Protocol") == ["HTTP"]
    assert _texts(sms_body, "SipPeerSmsFeatureSettings/Zone1") == ["true"]
    assert sms_body.find("HttpSettings") is not None
    assert mms_body.tag == "MmsFeature"
    assert _texts(mms_body, "MmsSettings/Protocol") == ["HTTP"]
    assert mms_body.find("Protocols/HTTP/HttpSettings") is not None
    assert (sms.protocol, sms.zones) == ("HTTP", (1, 2, 3, 4, 5))
    assert mms.protocol == "HTTP"


def test_assign_applications_to_the_location(client: BandwidthClient) -> None:
    responses.put(
        f"{PEER_URL}/messaging/applicationSettings",
        body="""<ApplicationsSettingsResponse><ApplicationsSettings>
<HttpMessagingV2AppId>app-sms</HttpMessagingV2AppId></ApplicationsSettings>
</ApplicationsSettingsResponse>""",
    )
    responses.put(
        f"{PEER_URL}/origination/settings",
        body="""<SipPeerOriginationSettingsResponse><SipPeerOriginationSettings>
<VoiceProtocol>HTTP</VoiceProtocol><HttpSettings><HttpVoiceV2AppId>app-voice</HttpVoiceV2AppId>
</HttpSettings></SipPeerOriginationSettings></SipPeerOriginationSettingsResponse>""",
    )

    assigned_sms = client.numbers.assign_messaging_application("461", "518824", "app-sms")
    assigned_voice = client.numbers.assign_voice_application("461", "518824", "app-voice")

    sms_call, voice_call = responses.calls
    sms_body = body_xml(sms_call.request)
    voice_body = body_xml(voice_call.request)
    assert sms_body.tag == "ApplicationsSettings"
    assert _texts(sms_body, "HttpMessagingV2AppId") == ["app-sms"]
    assert voice_body.tag == "SipPeerOriginationSettings"
    assert _texts(voice_body, "VoiceProtocol") == ["HTTP"]
    assert _texts(voice_body, "HttpSettings/HttpVoiceV2AppId") == ["app-voice"]
    assert assigned_sms == "app-sms"
    assert assigned_voice.voice_application_id == "app-voice"


def test_subscriptions(client: BandwidthClient) -> None:
    responses.post(
        f"{ACCOUNT_URL}/subscriptions",
        status=201,
        headers={"Location": f"{ACCOUNT_URL}/subscriptions/sub-1"},
    )
    responses.delete(f"{ACCOUNT_URL}/subscriptions/sub-1", status=200)

    subscription_id = client.numbers.create_subscription(
        order_type="orders",
        url="https://parley.example/webhooks/bandwidth/numbers/",
        username="bw-hook",
        password="hook-secret",
        expiry=3122064000,
    )
    client.numbers.delete_subscription(subscription_id)

    create_call, delete_call = responses.calls
    sent = body_xml(create_call.request)
    assert sent.tag == "Subscription"
    assert _texts(sent, "OrderType") == ["orders"]
    assert _texts(sent, "CallbackSubscription/URL") == [
        "https://parley.example/webhooks/bandwidth/numbers/"
    ]
    assert _texts(sent, "CallbackSubscription/Expiry") == ["3122064000"]
    basic = "CallbackSubscription/CallbackCredentials/BasicAuthentication"
    assert _texts(sent, f"{basic}/Username") == ["bw-hook"]
    assert _texts(sent, f"{basic}/Password") == ["hook-secret"]
    assert subscription_id == "sub-1"
    assert delete_call.request.method == "DELETE"
    with pytest.raises(ValueError):
        build_subscription(order_type="portouts", url="u", username=None, password=None, expiry=1)


def test_user_text_cannot_inject_xml_elements() -> None:
    body = build_messaging_application(
        name="</AppName><ServiceType>Voice-V2</ServiceType><AppName>",
        inbound_callback_url="https://parley.example/a?x=1&y=2",
        outbound_callback_url="https://parley.example/b",
    )

    root = SafeET.fromstring(body)
    assert _texts(root, "ServiceType") == ["Messaging-V2"]
    assert _texts(root, "AppName") == ["</AppName><ServiceType>Voice-V2</ServiceType><AppName>"]
    assert _texts(root, "InboundCallbackUrl") == ["https://parley.example/a?x=1&y=2"]


def _spec_request_roots(path: str, method: str) -> set[str]:
    content = numbers_spec()["paths"][path][method]["requestBody"]["content"]["application/xml"]
    examples = content.get("examples") or {"example": {"value": content.get("example")}}
    return {SafeET.fromstring(example["value"].encode()).tag for example in examples.values()}


@pytest.mark.parametrize(
    ("body", "path", "method"),
    [
        (
            build_order(customer_order_id="x", site_id="1", numbers=["+19195551234"]),
            "/accounts/{accountId}/orders",
            "post",
        ),
        (
            build_disconnect(customer_order_id="x", numbers=["+19195551234"]),
            "/accounts/{accountId}/disconnects",
            "post",
        ),
        (
            build_messaging_application(
                name="a", inbound_callback_url="https://i", outbound_callback_url="https://o"
            ),
            "/accounts/{accountId}/applications",
            "post",
        ),
        (
            build_voice_application(name="a", call_initiated_callback_url="https://i"),
            "/accounts/{accountId}/applications",
            "post",
        ),
        (
            build_site(name="a", description=None, address=None),
            "/accounts/{accountId}/sites",
            "post",
        ),
        (
            build_sip_peer(name="a", is_default=True),
            "/accounts/{accountId}/sites/{siteId}/sippeers",
            "post",
        ),
        (
            build_sms_feature(),
            "/accounts/{accountId}/sites/{siteId}/sippeers/{sipPeerId}/products/messaging/features/sms",
            "post",
        ),
        (
            build_mms_feature(),
            "/accounts/{accountId}/sites/{siteId}/sippeers/{sipPeerId}/products/messaging/features/mms",
            "post",
        ),
        (
            build_messaging_application_settings("app"),
            "/accounts/{accountId}/sites/{siteId}/sippeers/{sipPeerId}/products/messaging/applicationSettings",
            "put",
        ),
        (
            build_origination_settings("app"),
            "/accounts/{accountId}/sites/{siteId}/sippeers/{sipPeerId}/products/origination/settings",
            "put",
        ),
        (
            build_subscription(order_type="orders", url="u", username="a", password="b", expiry=1),
            "/accounts/{accountId}/subscriptions",
            "post",
        ),
    ],
)
def test_request_bodies_use_the_root_element_of_the_spec_examples(
    body: bytes, path: str, method: str
) -> None:
    assert SafeET.fromstring(body).tag in _spec_request_roots(path, method)
