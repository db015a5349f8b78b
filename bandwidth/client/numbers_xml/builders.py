"""Numbers (Dashboard) API XML: request bodies built with ElementTree, answers read with defusedxml.

Numbers travel as 10 digits without +1; everything Parley sees is E.164.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET

from bandwidth.client.error_bodies import xml_error_details
from bandwidth.errors import ErrorDetail

_NANP_E164 = re.compile(r"^\+1(\d{10})$")
_TEN_DIGITS = re.compile(r"^\d{10}$")
_BASIC_AUTH_PATH = "CallbackCredentials/BasicAuthentication"


def to_wire_number(e164: str) -> str:
    """'+19195551234' -> '9195551234'."""
    match = _NANP_E164.match(e164.strip())
    if match is None:
        raise ValueError(f"not a +1 E.164 number: {e164!r}")
    return match.group(1)


def to_e164(wire_number: str) -> str:
    """'9195551234' -> '+19195551234'; an 11-digit 1NXX… or E.164 value is normalised too."""
    digits = wire_number.strip()
    if _TEN_DIGITS.match(digits):
        return f"+1{digits}"
    if len(digits) == 11 and digits.isdigit() and digits.startswith("1"):
        return f"+{digits}"
    if _NANP_E164.match(digits):
        return digits
    raise ValueError(f"not a North American number: {wire_number!r}")


@dataclass(frozen=True)
class AvailableNumber:
    e164: str
    city: str | None = None
    state: str | None = None
    rate_center: str | None = None
    lata: str | None = None


@dataclass(frozen=True)
class OrderResult:
    order_id: str | None
    customer_order_id: str | None
    status: str | None
    completed_numbers: tuple[str, ...] = ()
    failed_numbers: tuple[str, ...] = ()
    errors: tuple[ErrorDetail, ...] = ()
    site_id: str | None = None
    peer_id: str | None = None
    order_create_date: str | None = None
    last_modified_date: str | None = None
    order_complete_date: str | None = None


@dataclass(frozen=True)
class DisconnectResult:
    order_id: str | None
    customer_order_id: str | None
    status: str | None
    requested_numbers: tuple[str, ...] = ()
    disconnected_numbers: tuple[str, ...] = ()
    errors: tuple[ErrorDetail, ...] = ()
    order_create_date: str | None = None


@dataclass(frozen=True)
class CallbackCredentials:
    user_id: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class Application:
    """A Messaging-V2 or Voice-V2 application as Bandwidth echoes it (passwords never come back)."""

    application_id: str
    service_type: str | None
    name: str | None
    inbound_callback_url: str | None = None
    outbound_callback_url: str | None = None
    inbound_callback_user: str | None = None
    outbound_callback_user: str | None = None
    requested_callback_types: tuple[str, ...] = ()
    call_initiated_callback_url: str | None = None
    call_initiated_method: str | None = None
    call_status_callback_url: str | None = None
    call_status_method: str | None = None
    callback_user: str | None = None
    callback_timeout: int | None = None


@dataclass(frozen=True)
class SiteAddress:
    house_number: str
    street_name: str
    city: str
    state_code: str
    zip_code: str
    country: str = "US"
    address_type: str = "Service"


@dataclass(frozen=True)
class Site:
    site_id: str
    name: str | None


@dataclass(frozen=True)
class SmsFeature:
    protocol: str | None
    toll_free: bool | None
    short_code: bool | None
    zones: tuple[int, ...]


@dataclass(frozen=True)
class MmsFeature:
    protocol: str | None


@dataclass(frozen=True)
class OriginationSettings:
    voice_protocol: str | None
    voice_application_id: str | None


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    order_type: str | None
    event_type: str | None
    url: str | None
    expiry: int | None
    username: str | None
    email: str | None


# Builders


def _serialize(root: Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _add(parent: Element, tag: str, text: str | None = None) -> Element:
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


def _add_numbers(parent: Element, e164_numbers: list[str]) -> None:
    number_list = _add(parent, "TelephoneNumberList")
    for number in e164_numbers:
        _add(number_list, "TelephoneNumber", to_wire_number(number))


def build_order(
    *,
    customer_order_id: str,
    site_id: str,
    peer_id: str | None = None,
    numbers: list[str] | None = None,
    area_code: str | None = None,
    quantity: int = 1,
    partial_allowed: bool = False,
    name: str | None = None,
) -> bytes:
    """An order of exact numbers (ExistingTelephoneNumberOrderType) or of any in an area code."""
    if (numbers is None) == (area_code is None):
        raise ValueError("give either numbers or area_code")
    order = Element("Order")
    _add(order, "CustomerOrderId", customer_order_id)
    if name:
        _add(order, "Name", name)
    _add(order, "SiteId", site_id)
    if peer_id:
        _add(order, "PeerId", peer_id)
    _add(order, "PartialAllowed", _bool_text(partial_allowed))
    if numbers is not None:
        if not numbers:
            raise ValueError("numbers must not be empty")
        _add_numbers(_add(order, "ExistingTelephoneNumberOrderType"), numbers)
    else:
        search = _add(order, "AreaCodeSearchAndOrderType")
        _add(search, "AreaCode", area_code)
        _add(search, "Quantity", str(quantity))
    return _serialize(order)


def build_disconnect(*, customer_order_id: str, numbers: list[str]) -> bytes:
    if not numbers:
        raise ValueError("numbers must not be empty")
    order = Element("DisconnectTelephoneNumberOrder")
    _add(order, "CustomerOrderId", customer_order_id)
    _add_numbers(_add(order, "DisconnectTelephoneNumberOrderType"), numbers)
    return _serialize(order)


def _add_credentials(parent: Element, tag: str, credentials: CallbackCredentials | None) -> None:
    if credentials is None:
        return
    creds = _add(parent, tag)
    _add(creds, "UserId", credentials.user_id)
    _add(creds, "Password", credentials.password)


def build_messaging_application(
    *,
    name: str,
    inbound_callback_url: str,
    outbound_callback_url: str,
    inbound_credentials: CallbackCredentials | None = None,
    outbound_credentials: CallbackCredentials | None = None,
    requested_callback_types: tuple[str, ...] = (
        "message-sending",
        "message-delivered",
        "message-failed",
    ),
) -> bytes:
    application = Element("Application")
    _add(application, "ServiceType", "Messaging-V2")
    _add(application, "AppName", name)
    _add(application, "InboundCallbackUrl", inbound_callback_url)
    _add(application, "OutboundCallbackUrl", outbound_callback_url)
    _add_credentials(application, "InboundCallbackCreds", inbound_credentials)
    _add_credentials(application, "OutboundCallbackCreds", outbound_credentials)
    if requested_callback_types:
        types = _add(application, "RequestedCallbackTypes")
        for callback_type in requested_callback_types:
            _add(types, "CallbackType", callback_type)
    return _serialize(application)


def build_voice_application(
    *,
    name: str,
    call_initiated_callback_url: str,
    call_status_callback_url: str | None = None,
    callback_credentials: CallbackCredentials | None = None,
    call_initiated_method: str = "POST",
    call_status_method: str = "POST",
) -> bytes:
    application = Element("Application")
    _add(application, "ServiceType", "Voice-V2")
    _add(application, "AppName", name)
    _add(application, "CallInitiatedCallbackUrl", call_initiated_callback_url)
    _add(application, "CallInitiatedMethod", call_initiated_method)
    if call_status_callback_url:
        _add(application, "CallStatusCallbackUrl", call_status_callback_url)
        _add(application, "CallStatusMethod", call_status_method)
    _add_credentials(application, "CallbackCreds", callback_credentials)
    return _serialize(application)


def build_site(*, name: str, description: str | None, address: SiteAddress | None) -> bytes:
    site = Element("Site")
    _add(site, "Name", name)
    if description:
        _add(site, "Description", description)
    if address is not None:
        element = _add(site, "Address")
        _add(element, "HouseNumber", address.house_number)
        _add(element, "StreetName", address.street_name)
        _add(element, "City", address.city)
        _add(element, "StateCode", address.state_code)
        _add(element, "Zip", address.zip_code)
        _add(element, "Country", address.country)
        _add(element, "AddressType", address.address_type)
    return _serialize(site)


def build_sip_peer(*, name: str, is_default: bool) -> bytes:
    peer = Element("SipPeer")
    _add(peer, "PeerName", name)
    _add(peer, "IsDefaultPeer", _bool_text(is_default))
    return _serialize(peer)


def build_sms_feature(*, toll_free: bool = False, short_code: bool = False) -> bytes:
    feature = Element("SipPeerSmsFeature")
    settings = _add(feature, "SipPeerSmsFeatureSettings")
    _add(settings, "TollFree", _bool_text(toll_free))
    _add(settings, "ShortCode", _bool_text(short_code))
    _add(settings, "Protocol", "HTTP")
    for zone in range(1, 6):
        _add(settings, f"Zone{zone}", "true")
    _add(feature, "HttpSettings")
    return _serialize(feature)


def build_mms_feature() -> bytes:
    feature = Element("MmsFeature")
    _add(_add(feature, "MmsSettings"), "Protocol", "HTTP")
    _add(_add(_add(feature, "Protocols"), "HTTP"), "HttpSettings")
    return _serialize(feature)


def build_messaging_application_settings(application_id: str) -> bytes:
    settings = Element("ApplicationsSettings")
    _add(settings, "HttpMessagingV2AppId", application_id)
    return _serialize(settings)


def build_origination_settings(application_id: str) -> bytes:
    settings = Element("SipPeerOriginationSettings")
    _add(settings, "VoiceProtocol", "HTTP")
    _add(_add(settings, "HttpSettings"), "HttpVoiceV2AppId", application_id)
    return _serialize(settings)


def build_subscription(
    *, order_type: str, url: str, username: str | None, password: str | None, expiry: int
) -> bytes:
    if order_type not in ("orders", "disconnects"):
        raise ValueError("order_type must be 'orders' or 'disconnects'")
    subscription = Element("Subscription")
    _add(subscription, "OrderType", order_type)
    callback = _add(subscription, "CallbackSubscription")
    _add(callback, "URL", url)
    _add(callback, "Expiry", str(expiry))
    if username is not None and password is not None:
        basic = _add(_add(callback, "CallbackCredentials"), "BasicAuthentication")
        _add(basic, "Username", username)
        _add(basic, "Password", password)
    return _serialize(subscription)


# Parsers


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
