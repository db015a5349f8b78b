"""Request bodies for the Numbers API, built with ElementTree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.etree.ElementTree import Element

from bandwidth.client.numbers_xml.records import CallbackCredentials, SiteAddress, to_wire_number


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
    if order_type not in ("orders", "disconnects", "portins", "tnoptions"):
        raise ValueError("order_type must be 'orders', 'disconnects', 'portins' or 'tnoptions'")
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
