"""Port-in (LNP) XML: the portability check, LnpOrder bodies, and the order, file, note and
history answers. Numbers go out as 10 digits and come back in E.164."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from xml.etree.ElementTree import Element

from bandwidth.client.error_bodies import xml_error_details
from bandwidth.client.numbers_xml.parsers import parse_xml
from bandwidth.client.numbers_xml.records import to_e164, to_wire_number
from bandwidth.errors import ErrorDetail


@dataclass(frozen=True)
class NumberPortability:
    e164: str
    portable: bool
    reason: str = ""
    losing_carrier: str = ""
    wireless: bool = False
    account_number_required: bool = False
    minimum_porting_days: int | None = None
    city: str = ""
    state: str = ""


@dataclass(frozen=True)
class PortabilityCheck:
    port_type: str
    numbers: tuple[NumberPortability, ...]


@dataclass(frozen=True)
class ServiceAddress:
    house_number: str
    street_name: str
    city: str
    state_code: str
    zip_code: str


@dataclass(frozen=True)
class LnpOrder:
    """What Parley sends for a port-in (create, draft update, submit or supplement)."""

    numbers: tuple[str, ...]
    site_id: str
    peer_id: str = ""
    customer_order_id: str = ""
    billing_number: str = ""
    business_name: str = ""
    address: ServiceAddress | None = None
    loa_authorizing_person: str = ""
    account_number: str = ""
    pin: str = ""
    requested_foc_date: date | None = None
    partial_port: bool = False


@dataclass(frozen=True)
class PortInResult:
    order_id: str | None
    status: str | None
    numbers: tuple[str, ...] = ()
    errors: tuple[ErrorDetail, ...] = ()
    requested_foc_date: str | None = None
    actual_foc_date: str | None = None
    earliest_estimate: str | None = None
    losing_carrier: str | None = None
    last_modified_date: str | None = None


@dataclass(frozen=True)
class PortInFile:
    name: str
    document_type: str | None


@dataclass(frozen=True)
class PortInNote:
    note_id: str
    user_id: str
    description: str
    modified: str | None


@dataclass(frozen=True)
class PortInHistoryEntry:
    when: str
    status: str
    note: str
    author: str


def _add(parent: Element, tag: str, text: str | None = None) -> Element:
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _text(element: Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def build_portability_request(numbers: list[str]) -> bytes:
    root = Element("NumberPortabilityRequest")
    tn_list = _add(root, "TnList")
    for number in numbers:
        _add(tn_list, "Tn", to_wire_number(number))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def build_lnp_order(order: LnpOrder, *, root_tag: str, processing_status: str | None) -> bytes:
    """``root_tag`` LnpOrder (create) or LnpOrderSupp (PUT); ``processing_status`` DRAFT on a
    create keeps it a draft, SUBMITTED on a PUT submits a draft."""
    root = Element(root_tag)
    if order.customer_order_id:
        _add(root, "CustomerOrderId", order.customer_order_id)
    if order.requested_foc_date is not None:
        _add(root, "RequestedFocDate", f"{order.requested_foc_date.isoformat()}T16:30:00.000Z")
    if order.billing_number:
        _add(root, "BillingTelephoneNumber", to_wire_number(order.billing_number))
    _add(root, "SiteId", order.site_id)
    if order.peer_id:
        _add(root, "PeerId", order.peer_id)
    if order.business_name or order.address:
        subscriber = _add(root, "Subscriber")
        _add(subscriber, "SubscriberType", "BUSINESS")
        if order.business_name:
            _add(subscriber, "BusinessName", order.business_name)
        if order.address:
            address = _add(subscriber, "ServiceAddress")
            _add(address, "HouseNumber", order.address.house_number)
            _add(address, "StreetName", order.address.street_name)
            _add(address, "City", order.address.city)
            _add(address, "StateCode", order.address.state_code)
            _add(address, "Zip", order.address.zip_code)
    if order.loa_authorizing_person:
        _add(root, "LoaAuthorizingPerson", order.loa_authorizing_person)
    if order.account_number or order.pin:
        wireless = _add(root, "WirelessInfo")
        if order.account_number:
            _add(wireless, "AccountNumber", order.account_number)
        if order.pin:
            _add(wireless, "PinNumber", order.pin)
    numbers = _add(root, "ListOfPhoneNumbers")
    for number in order.numbers:
        _add(numbers, "PhoneNumber", to_wire_number(number))
    _add(root, "PartialPort", "true" if order.partial_port else "false")
    if processing_status:
        _add(root, "ProcessingStatus", processing_status)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def build_note(user_id: str, description: str) -> bytes:
    root = Element("Note")
    _add(root, "UserId", user_id)
    _add(root, "Description", description)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _tns(element: Element) -> list[str]:
    return [to_e164(tn.text) for tn in element.iterfind("TnList/Tn") if tn.text]


def parse_portability(body: bytes | str) -> PortabilityCheck:
    root = parse_xml(body)
    places: dict[str, tuple[str, str]] = {}
    unsupported: set[str] = set()
    for path, bad in (("SupportedRateCenters", False), ("UnsupportedRateCenters", True)):
        for group in root.iterfind(f"{path}/RateCenterGroup"):
            for number in _tns(group):
                places[number] = (_text(group, "City") or "", _text(group, "State") or "")
                if bad:
                    unsupported.add(number)
    carriers: dict[str, Element] = {}
    unsupported_carrier: set[str] = set()
    for path, bad in (("SupportedLosingCarriers", False), ("UnsupportedLosingCarriers", True)):
        for group in root.iterfind(f"{path}/LosingCarrierTnList"):
            for number in _tns(group):
                carriers[number] = group
                if bad:
                    unsupported_carrier.add(number)
    ordered = list(dict.fromkeys([*places, *carriers]))
    results = []
    for number in ordered:
        carrier = carriers.get(number)
        portable = number not in unsupported and number not in unsupported_carrier
        reason = ""
        if number in unsupported:
            reason = "Rate Center Not Present in Bandwidth Dashboard"
        elif number in unsupported_carrier:
            reason = "The losing carrier is not supported"
        interval = _text(carrier, "LosingCarrierMinimumPortingInterval")
        city, state = places.get(number, ("", ""))
        results.append(
            NumberPortability(
                e164=number,
                portable=portable,
                reason=reason,
                losing_carrier=_text(carrier, "LosingCarrierName") or "",
                wireless=(_text(carrier, "LosingCarrierIsWireless") or "").lower() == "true",
                account_number_required=(
                    _text(carrier, "LosingCarrierAccountNumberRequired") or ""
                ).lower()
                == "true",
                minimum_porting_days=int(interval) if interval and interval.isdigit() else None,
                city=city,
                state=state,
            )
        )
    return PortabilityCheck(port_type=_text(root, "PortType") or "", numbers=tuple(results))


def parse_portin(body: bytes | str) -> PortInResult:
    root = parse_xml(body)
    return PortInResult(
        order_id=_text(root, "OrderId"),
        status=_text(root, "ProcessingStatus"),
        numbers=tuple(
            to_e164(n.text) for n in root.iterfind("ListOfPhoneNumbers/PhoneNumber") if n.text
        ),
        errors=xml_error_details(root),
        requested_foc_date=_text(root, "RequestedFocDate"),
        actual_foc_date=_text(root, "ActualFocDate"),
        earliest_estimate=_text(root, "EarliestEstimate"),
        losing_carrier=_text(root, "LosingCarrierName"),
        last_modified_date=_text(root, "LastModifiedDate"),
    )


def parse_file_upload(body: bytes | str) -> str:
    return _text(parse_xml(body), "filename") or ""


def parse_file_list(body: bytes | str) -> list[PortInFile]:
    root = parse_xml(body)
    return [
        PortInFile(
            name=_text(item, "FileName") or "",
            document_type=_text(item, "FileMetaData/DocumentType"),
        )
        for item in root.iterfind("fileData")
    ]


def parse_notes(body: bytes | str) -> list[PortInNote]:
    if not (body.strip() if isinstance(body, bytes | str) else body):
        return []
    root = parse_xml(body)
    return [
        PortInNote(
            note_id=_text(note, "Id") or "",
            user_id=_text(note, "UserId") or "",
            description=_text(note, "Description") or "",
            modified=_text(note, "LastDateModifier"),
        )
        for note in root.iterfind("Note")
    ]


def parse_history(body: bytes | str) -> list[PortInHistoryEntry]:
    root = parse_xml(body)
    return [
        PortInHistoryEntry(
            when=_text(item, "OrderDate") or "",
            status=_text(item, "Status") or "",
            note=_text(item, "Note") or "",
            author=_text(item, "Author") or "",
        )
        for item in root.iterfind("OrderHistory")
    ]
