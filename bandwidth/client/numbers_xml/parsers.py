"""Numbers API answers read with defusedxml into the records Parley uses."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET

from bandwidth.client.error_bodies import xml_error_details
from bandwidth.client.numbers_xml.records import (
    Application,
    AvailableNumber,
    DisconnectResult,
    MmsFeature,
    OrderResult,
    OriginationSettings,
    Site,
    SmsFeature,
    Subscription,
    to_e164,
)

_BASIC_AUTH_PATH = "CallbackCredentials/BasicAuthentication"


def parse_xml(body: bytes | str) -> Element:
    return SafeET.fromstring(body)


def _text(element: Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _bool(element: Element | None, path: str) -> bool | None:
    value = _text(element, path)
    return None if value is None else value.lower() == "true"


def _int(element: Element | None, path: str) -> int | None:
    value = _text(element, path)
    return int(value) if value is not None and value.isdigit() else None


def _numbers_below(element: Element | None) -> tuple[str, ...]:
    """Every number in a list, whether as <TelephoneNumber>n</…> or <…><FullNumber>n</…>."""
    if element is None:
        return ()
    numbers: list[str] = []
    for node in element.iter():
        if node.tag in ("TelephoneNumber", "FullNumber") and len(node) == 0 and node.text:
            numbers.append(to_e164(node.text))
    return tuple(numbers)


def parse_available_numbers(body: bytes | str) -> list[AvailableNumber]:
    root = parse_xml(body)
    details = root.findall("TelephoneNumberDetailList/TelephoneNumberDetail")
    if details:
        return [
            AvailableNumber(
                e164=to_e164(_text(detail, "FullNumber") or ""),
                city=_text(detail, "City"),
                state=_text(detail, "State"),
                rate_center=_text(detail, "RateCenter"),
                lata=_text(detail, "LATA"),
            )
            for detail in details
        ]
    return [
        AvailableNumber(e164=to_e164(node.text or ""))
        for node in root.findall("TelephoneNumberList/TelephoneNumber")
    ]


def parse_order_ids_for_customer_order(body: bytes | str, customer_order_id: str) -> list[str]:
    """Bandwidth's order ids listed (GET /orders) under our CustomerOrderId."""
    root = parse_xml(body)
    return [
        order_id
        for item in root.iter("OrderIdUserIdDate")
        if (item.findtext("CustomerOrderId") or "").strip() == customer_order_id
        and (order_id := (item.findtext("orderId") or "").strip())
    ]


def parse_order_response(body: bytes | str) -> OrderResult:
    root = parse_xml(body)
    order = root.find("Order")
    return OrderResult(
        order_id=_text(order, "id") or _text(root, "OrderId"),
        customer_order_id=_text(order, "CustomerOrderId"),
        status=_text(root, "OrderStatus"),
        completed_numbers=_numbers_below(root.find("CompletedNumbers")),
        failed_numbers=_numbers_below(root.find("FailedNumbers")),
        errors=xml_error_details(root),
        site_id=_text(order, "SiteId"),
        peer_id=_text(order, "PeerId"),
        order_create_date=_text(order, "OrderCreateDate"),
        last_modified_date=_text(root, "LastModifiedDate"),
        order_complete_date=_text(root, "OrderCompleteDate"),
    )


def parse_disconnect_response(body: bytes | str) -> DisconnectResult:
    root = parse_xml(body)
    request = root.find("orderRequest")
    return DisconnectResult(
        order_id=_text(request, "id"),
        customer_order_id=_text(request, "CustomerOrderId"),
        status=_text(root, "OrderStatus"),
        requested_numbers=_numbers_below(
            request.find("DisconnectTelephoneNumberOrderType/TelephoneNumberList")
            if request is not None
            else None
        ),
        disconnected_numbers=_numbers_below(root.find("DisconnectedTelephoneNumberList")),
        errors=xml_error_details(root),
        order_create_date=_text(request, "OrderCreateDate"),
    )


def parse_application(body: bytes | str) -> Application:
    root = parse_xml(body)
    application = root if root.tag == "Application" else root.find("Application")
    if application is None:
        raise ValueError("no <Application> in the answer")
    return Application(
        application_id=_text(application, "ApplicationId") or "",
        service_type=_text(application, "ServiceType"),
        name=_text(application, "AppName"),
        inbound_callback_url=_text(application, "InboundCallbackUrl"),
        outbound_callback_url=_text(application, "OutboundCallbackUrl"),
        inbound_callback_user=_text(application, "InboundCallbackCreds/UserId"),
        outbound_callback_user=_text(application, "OutboundCallbackCreds/UserId"),
        requested_callback_types=tuple(
            (node.text or "").strip()
            for node in application.findall("RequestedCallbackTypes/CallbackType")
        ),
        call_initiated_callback_url=_text(application, "CallInitiatedCallbackUrl"),
        call_initiated_method=_text(application, "CallInitiatedMethod"),
        call_status_callback_url=_text(application, "CallStatusCallbackUrl"),
        call_status_method=_text(application, "CallStatusMethod"),
        callback_user=_text(application, "CallbackCreds/UserId"),
        callback_timeout=_int(application, "CallbackTimeout"),
    )


def parse_site(body: bytes | str) -> Site:
    root = parse_xml(body)
    site = root.find("Site")
    site_id = _text(site, "Id")
    if not site_id:
        raise ValueError("no <Site><Id> in the answer")
    return Site(site_id=site_id, name=_text(site, "Name"))


def parse_sms_feature(body: bytes | str) -> SmsFeature:
    root = parse_xml(body)
    settings = root.find(".//SipPeerSmsFeatureSettings")
    zones = tuple(zone for zone in range(1, 6) if _bool(settings, f"Zone{zone}"))
    return SmsFeature(
        protocol=_text(settings, "Protocol"),
        toll_free=_bool(settings, "TollFree"),
        short_code=_bool(settings, "ShortCode"),
        zones=zones,
    )


def parse_mms_feature(body: bytes | str) -> MmsFeature:
    root = parse_xml(body)
    protocol = _text(root, ".//MmsSettings/Protocol") or _text(root, ".//MmsSettings/protocol")
    return MmsFeature(protocol=protocol)


def parse_messaging_application_settings(body: bytes | str) -> str | None:
    """The HttpMessagingV2AppId assigned to the location, if any."""
    return _text(parse_xml(body), ".//HttpMessagingV2AppId")


def parse_origination_settings(body: bytes | str) -> OriginationSettings:
    root = parse_xml(body)
    return OriginationSettings(
        voice_protocol=_text(root, ".//VoiceProtocol"),
        voice_application_id=_text(root, ".//HttpVoiceV2AppId"),
    )


def parse_subscriptions(body: bytes | str) -> list[Subscription]:
    root = parse_xml(body)
    return [
        Subscription(
            subscription_id=_text(node, "SubscriptionId") or "",
            order_type=_text(node, "OrderType"),
            event_type=_text(node, "EventType"),
            url=_text(node, "CallbackSubscription/URL"),
            expiry=_int(node, "CallbackSubscription/Expiry"),
            username=_text(node, f"CallbackSubscription/{_BASIC_AUTH_PATH}/Username"),
            email=_text(node, "EmailSubscription/Email"),
        )
        for node in root.iter("Subscription")
    ]


def id_from_location(location: str | None) -> str:
    """The new resource's id: the last path segment of a Location header."""
    segments = [segment for segment in urlsplit(location or "").path.split("/") if segment]
    if not segments:
        raise ValueError("the answer has no Location header to take the new id from")
    return segments[-1]
