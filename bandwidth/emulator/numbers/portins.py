"""Port-ins (LNP): the portability checker, port-in orders, their files, notes and history.

Outcomes the emulator decides (Bandwidth's codes and wording where numbers.yml gives them):

- ``lnpchecker``: a number ending ``0200`` is in a rate center Bandwidth does not serve
  (``UnsupportedRateCenters``; an order naming it is refused with ``7331`` "Rate Center Not
  Present in Bandwidth Dashboard"); one ending ``0201`` belongs to a wireless carrier that needs
  the account number and PIN; toll-free numbers (8XX) have ``PortType`` ``MANUAL_TOLLFREE``;
  everything else is ``AUTOMATED`` from a wireline carrier. ``7201`` (not a NANP number) and
  ``7205`` (already on another open order) are Bandwidth's.
- Orders: ``7309`` bad SiteId, ``7312`` bad PeerId, ``7201``, ``7205``, ``7331``, ``7304``
  (complete or cancelled, cannot change) are Bandwidth's. Emulator-chosen, in the same range:
  ``7310`` toll-free and local numbers mixed, ``7311`` LoaAuthorizingPerson missing, ``7313``
  service address incomplete, ``7314`` wireless account number missing, ``7315`` wireless PIN
  missing, ``7316`` RequestedFocDate not a business day within 30 days, ``7317`` a change or
  cancel within 24 hours of the FOC date.
- A DRAFT is checked only for its numbers; ``PUT`` with ``ProcessingStatus`` SUBMITTED submits
  it (full checks). Submitted without an LOA file it waits in ``PENDING_DOCUMENTS`` until one
  is uploaded. A later ``PUT`` is a supplement: ``REQUESTED_SUPP`` then ``SUBMITTED`` after
  ``order_complete_delay``. ``DELETE`` removes a draft, otherwise ``REQUESTED_CANCEL`` then
  ``CANCELLED``. FOC, EXCEPTION, COMPLETE and CANCELLED come from ``POST /_sim/portins/{id}``.
- Every status change is recorded in the history and notified to ``portins`` subscriptions.
  On COMPLETE the numbers go into service on the order's location, so their texts and calls
  reach the tenant's applications like bought numbers.
- Port-ins are kept in the ``--state-file`` (file contents are not: only their names and
  types); a supplement or cancel still pending at a restart finishes after it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, tostring

from defusedxml import ElementTree as SafeElementTree
from werkzeug.wrappers import Request, Response

from bandwidth.emulator import inventory
from bandwidth.emulator.http import XML_DECLARATION, empty_response, utc_now_iso
from bandwidth.emulator.numbers.common import (
    ACCOUNT,
    TEN_DIGITS,
    _el,
    _location,
    _malformed,
    _parse,
    _render,
    _text,
    e164,
    routes,
    ten_digits,
)
from bandwidth.emulator.state import PortIn, PortInFile

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

NOT_PORTABLE_SUFFIX = "0200"
WIRELESS_SUFFIX = "0201"
TOLL_FREE = re.compile(r"^8(00|33|44|55|66|77|88)\d{7}$")
OPEN = ("SUBMITTED", "PENDING_DOCUMENTS", "EXCEPTION", "REQUESTED_SUPP", "FOC", "REQUESTED_CANCEL")
CLOSED = ("COMPLETE", "CANCELLED")
DOCUMENT_TYPES = ("LOA", "INVOICE", "CSR", "OTHER")
FILE_TYPES = {
    "application/pdf": "pdf",
    "text/plain": "txt",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/tiff": "tiff",
    "text/csv": "csv",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
TOLL_FREE_LOA_TYPES = ("application/pdf", "image/tiff")
SUBMIT_DESCRIPTION = (
    "Order request received. Please use the order id to check the status of your order later."
)
SUPP_DESCRIPTION = (
    "Supp request received. Please use the order id to check the status of your order later."
)
VALIDATION_FAILED = "Validation Failed. Please check your input parameters."
FOC_HOUR = 16
FOC_MINUTE = 30
MAX_FOC_DAYS = 30
EARLIEST_BUSINESS_DAYS = 3
WIRELESS_CARRIER = ("6529", "Emulated Wireless", True, True, 1)
WIRELINE_CARRIER = ("9998", "Test Losing Carrier L3", False, False, 5)
TOLL_FREE_CARRIER = ("TST52", "Emulated RespOrg", False, False, 5)


class PortInRejected(Exception):
    def __init__(self, errors: list[tuple[int, str]], status: int = 400) -> None:
        super().__init__(errors[0][1])
        self.errors = errors
        self.status = status


def is_toll_free(number: str) -> bool:
    return bool(TOLL_FREE.match(number))


def _carrier(number: str) -> tuple[str, str, bool, bool, int]:
    if is_toll_free(number):
        return TOLL_FREE_CARRIER
    if number.endswith(WIRELESS_SUFFIX):
        return WIRELESS_CARRIER
    return WIRELINE_CARRIER


def _business_days_after(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def _foc_time(day: date) -> str:
    return f"{day.isoformat()}T{FOC_HOUR:02d}:{FOC_MINUTE:02d}:00.000Z"


def earliest_foc() -> str:
    return _foc_time(_business_days_after(datetime.now(UTC).date(), EARLIEST_BUSINESS_DAYS))


def _parse_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        day = _parse_day(value)
        if day is None:
            return None
        return datetime(day.year, day.month, day.day, FOC_HOUR, FOC_MINUTE, tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _numbers_of(parent: Element | None, path: str, tag: str) -> list[str]:
    if parent is None:
        return []
    return [(el.text or "").strip() for el in parent.iterfind(f"{path}/{tag}") if el.text]


def _open_order_with(emu: Emulator, number: str, other_than: str | None) -> bool:
    for order in emu.state.portins.values():
        if order.id != other_than and order.status in (*OPEN, "DRAFT") and number in order.numbers:
            return True
    return False


# --- the checker ---


@routes.route(ACCOUNT + "/lnpchecker", methods=["POST"])
def lnp_checker(emu: Emulator, request: Request, account_id: str) -> Response:
    body = _parse(request)
    if body is None or body.tag != "NumberPortabilityRequest":
        return _malformed("NumberPortabilityResponse")
    numbers = _numbers_of(body, "TnList", "Tn")
    bad = [n for n in numbers if not TEN_DIGITS.match(n)]
    if not numbers or bad:
        root = Element("NumberPortabilityResponse")
        for number in bad or [""]:
            errors = _el(root, "Errors")
            _el(errors, "Code", 7201)
            _el(errors, "Description", f"{number} is not a valid NANP telephone number.")
        return _render(root, 400)
    full = request.args.get("fullCheck", "false").lower() != "false"
    supported = [n for n in numbers if not n.endswith(NOT_PORTABLE_SUFFIX)]
    unsupported = [n for n in numbers if n.endswith(NOT_PORTABLE_SUFFIX)]
    root = Element("NumberPortabilityResponse")
    toll_free = any(is_toll_free(n) for n in numbers)
    _el(root, "PortType", "MANUAL_TOLLFREE" if toll_free else "AUTOMATED")
    _rate_centers(_el(root, "SupportedRateCenters"), supported)
    _rate_centers(_el(root, "UnsupportedRateCenters"), unsupported)
    if full:
        _losing_carriers(_el(root, "SupportedLosingCarriers"), supported)
        _losing_carriers(_el(root, "UnsupportedLosingCarriers"), unsupported)
    return _render(root)


def _rate_centers(parent: Element, numbers: list[str]) -> None:
    groups: dict[tuple[str, str, str], list[str]] = {}
    for number in numbers:
        if is_toll_free(number):
            continue
        place = inventory.locality(number)
        key = (place.city, place.state, str(place.lata)) if place else ("UNKNOWN", "", "")
        groups.setdefault(key, []).append(number)
    for (city, state, lata), group in groups.items():
        element = _el(parent, "RateCenterGroup")
        _el(element, "RateCenter", city[:10])
        _el(element, "City", city)
        _el(element, "State", state)
        _el(element, "LATA", lata)
        tn_list = _el(element, "TnList")
        for number in group:
            _el(tn_list, "Tn", number)


def _losing_carriers(parent: Element, numbers: list[str]) -> None:
    groups: dict[tuple[str, str, bool, bool, int], list[str]] = {}
    for number in numbers:
        groups.setdefault(_carrier(number), []).append(number)
    for (spid, name, wireless, account_required, interval), group in groups.items():
        element = _el(parent, "LosingCarrierTnList")
        _el(element, "LosingCarrierSPID", spid)
        _el(element, "LosingCarrierName", name)
        _el(element, "LosingCarrierIsWireless", str(wireless).lower())
        _el(element, "LosingCarrierAccountNumberRequired", str(account_required).lower())
        _el(element, "LosingCarrierMinimumPortingInterval", interval)
        tn_list = _el(element, "TnList")
        for number in group:
            _el(tn_list, "Tn", number)


# --- orders ---

ORDER_FIELDS = (
    "CustomerOrderId",
    "BillingTelephoneNumber",
    "LoaAuthorizingPerson",
    "RequestedFocDate",
    "PartialPort",
    "Triggered",
)


def _validate_numbers(emu: Emulator, numbers: list[str], order_id: str | None) -> None:
    errors: list[tuple[int, str]] = []
    if not numbers:
        errors.append((7201, "The ListOfPhoneNumbers must hold at least one telephone number."))
    for number in numbers:
        if not TEN_DIGITS.match(number):
            errors.append((7201, f"{number} is not a valid NANP telephone number."))
        elif number.endswith(NOT_PORTABLE_SUFFIX):
            errors.append((7331, "Rate Center Not Present in Bandwidth Dashboard"))
        elif _open_order_with(emu, number, order_id) or e164(number) in emu.state.in_service:
            errors.append((7205, "Telephone number is already being processed on another order"))
    if numbers and 0 < sum(is_toll_free(n) for n in numbers) < len(numbers):
        errors.append((7310, "Toll-free and local numbers cannot be ported on the same order."))
    if errors:
        raise PortInRejected(errors)


def _validate_site(emu: Emulator, site_id: str, peer_id: str) -> None:
    errors: list[tuple[int, str]] = []
    if not site_id or site_id not in emu.state.sites:
        errors.append((7309, "The site id was not supplied or is invalid."))
    elif peer_id:
        peer = emu.state.sip_peers.get(peer_id)
        if peer is None or peer.site_id != site_id:
            errors.append((7312, "The sippeer id is invalid."))
    if errors:
        raise PortInRejected(errors)


def _validate_submission(order: PortIn) -> None:
    errors: list[tuple[int, str]] = []
    if not order.fields.get("LoaAuthorizingPerson"):
        errors.append((7311, "LoaAuthorizingPerson is required."))
    subscriber = SafeElementTree.fromstring(order.subscriber_xml) if order.subscriber_xml else None
    address = subscriber.find("ServiceAddress") if subscriber is not None else None
    toll_free = all(is_toll_free(n) for n in order.numbers)
    if not toll_free:
        missing = [
            tag
            for tag in ("HouseNumber", "StreetName", "City", "StateCode", "Zip")
            if _text(address, tag) is None
        ]
        name_given = _text(subscriber, "BusinessName") or _text(subscriber, "LastName")
        if missing or not name_given:
            named = ", ".join(missing or ["BusinessName"])
            errors.append(
                (7313, f"The subscriber's name and service address are required: {named}")
            )
    if any(n.endswith(WIRELESS_SUFFIX) for n in order.numbers):
        if not order.account_number:
            errors.append((7314, "WirelessInfo AccountNumber is required for a wireless carrier."))
        if not order.pin:
            errors.append((7315, "WirelessInfo PinNumber is required for a wireless carrier."))
    requested = order.fields.get("RequestedFocDate")
    if requested:
        day = _parse_day(requested)
        today = datetime.now(UTC).date()
        if (
            day is None
            or day.weekday() >= 5
            or day <= today
            or day > today + timedelta(days=MAX_FOC_DAYS)
        ):
            errors.append(
                (7316, "RequestedFocDate must be a business day within the next 30 days.")
            )
    if errors:
        raise PortInRejected(errors)


def _apply_fields(order: PortIn, body: Element) -> None:
    for tag in ORDER_FIELDS:
        value = _text(body, tag)
        if value is not None:
            if tag == "RequestedFocDate":
                day = _parse_day(value)
                value = _foc_time(day) if day else value
            order.fields[tag] = value
    subscriber = body.find("Subscriber")
    if subscriber is not None:
        order.subscriber_xml = tostring(subscriber, encoding="unicode")
    wireless = body.find("WirelessInfo")
    if wireless is not None:
        order.account_number = _text(wireless, "AccountNumber") or ""
        order.pin = _text(wireless, "PinNumber") or ""
    numbers = _numbers_of(body, "ListOfPhoneNumbers", "PhoneNumber")
    if numbers:
        order.numbers = numbers
    if not order.fields.get("BillingTelephoneNumber") and order.numbers:
        order.fields["BillingTelephoneNumber"] = order.numbers[0]


def _set_status(
    emu: Emulator, order: PortIn, status: str, note: str, author: str = "System"
) -> None:
    now = utc_now_iso()
    order.status = status
    order.last_modified = now
    order.history.append((now, note, author, status))


def _submit(emu: Emulator, order: PortIn) -> None:
    _validate_submission(order)
    order.errors = []
    has_loa = any(f.document_type == "LOA" for f in order.files)
    if has_loa:
        _set_status(emu, order, "SUBMITTED", "Order has been created", emu.config.username)
    else:
        _set_status(emu, order, "PENDING_DOCUMENTS", "LOA required", emu.config.username)


def _rejection(root_tag: str, rejection: PortInRejected, order_id: str | None) -> Response:
    root = Element(root_tag)
    if order_id:
        _el(root, "OrderId", order_id)
    status = _el(root, "Status")
    _el(status, "Code", rejection.status)
    _el(status, "Description", VALIDATION_FAILED)
    for code, description in rejection.errors:
        errors = _el(root, "Errors")
        _el(errors, "Code", code)
        _el(errors, "Description", description)
    _el(root, "ProcessingStatus", "EXCEPTION")
    return _render(root, rejection.status)


def _order_body(root: Element, order: PortIn, with_account: bool) -> None:
    for code, description in order.errors:
        errors = _el(root, "Errors")
        _el(errors, "Code", code)
        _el(errors, "Description", description)
    _el(root, "ProcessingStatus", order.status)
    if order.fields.get("RequestedFocDate"):
        _el(root, "RequestedFocDate", order.fields["RequestedFocDate"])
    if order.actual_foc:
        _el(root, "ActualFocDate", order.actual_foc)
    if order.status == "DRAFT" and with_account:
        _el(root, "EarliestEstimate", earliest_foc())
    if order.fields.get("CustomerOrderId"):
        _el(root, "CustomerOrderId", order.fields["CustomerOrderId"])
    if order.fields.get("LoaAuthorizingPerson"):
        _el(root, "LoaAuthorizingPerson", order.fields["LoaAuthorizingPerson"])
    if order.subscriber_xml:
        root.append(SafeElementTree.fromstring(order.subscriber_xml))
    if order.account_number or order.pin:
        wireless = _el(root, "WirelessInfo")
        if order.account_number:
            _el(wireless, "AccountNumber", order.account_number)
        if order.pin:
            _el(wireless, "PinNumber", order.pin)
    if order.fields.get("BillingTelephoneNumber"):
        _el(root, "BillingTelephoneNumber", order.fields["BillingTelephoneNumber"])
    numbers = _el(root, "ListOfPhoneNumbers")
    for number in order.numbers:
        _el(numbers, "PhoneNumber", number)
    if not with_account:
        return
    _el(root, "AccountId", "")
    if order.site_id:
        _el(root, "SiteId", order.site_id)
    if order.peer_id:
        _el(root, "PeerId", order.peer_id)
    if order.numbers:
        spid, name, wireless_carrier, _, _ = _carrier(order.numbers[0])
        _el(root, "LosingCarrierSPID", spid)
        _el(root, "LosingCarrierName", name)
        _el(root, "LosingCarrierIsWireless", str(wireless_carrier).lower())
    _el(root, "VendorName", "Bandwidth CLEC")
    _el(root, "OrderCreateDate", order.created)
    _el(root, "LastModifiedDate", order.last_modified)
    _el(root, "PartialPort", order.fields.get("PartialPort", "false"))
    _el(root, "Triggered", order.fields.get("Triggered", "false"))
    toll_free = bool(order.numbers) and all(is_toll_free(n) for n in order.numbers)
    _el(root, "PortType", "MANUAL_TOLLFREE" if toll_free else "AUTOMATED")


@routes.route(ACCOUNT + "/portins", methods=["POST"])
def create_portin(emu: Emulator, request: Request, account_id: str) -> Response:
    body = _parse(request)
    if body is None or body.tag != "LnpOrder":
        return _malformed("LnpOrderResponse")
    now = utc_now_iso()
    order = PortIn(
        id=emu.state.new_uuid(), numbers=[], status="DRAFT", created=now, last_modified=now
    )
    order.site_id = _text(body, "SiteId") or ""
    order.peer_id = _text(body, "PeerId") or ""
    _apply_fields(order, body)
    draft = (_text(body, "ProcessingStatus") or "").upper() == "DRAFT"
    try:
        with emu.state.lock:
            _validate_site(emu, order.site_id, order.peer_id)
            if not order.peer_id:
                peer = emu.state.default_peer(order.site_id)
                order.peer_id = peer.id if peer else ""
            _validate_numbers(emu, order.numbers, None)
            if not draft:
                _submit(emu, order)
            emu.state.portins[order.id] = order
    except PortInRejected as rejection:
        return _rejection("LnpOrderResponse", rejection, None)
    if not draft:
        _notify_portin(emu, order)
    root = Element("LnpOrderResponse")
    _el(root, "OrderId", order.id)
    status = _el(root, "Status")
    _el(status, "Code", 201)
    _el(status, "Description", SUBMIT_DESCRIPTION)
    _order_body(root, order, with_account=False)
    return _render(root, 201, {"Location": _location(emu, f"/portins/{order.id}")})


@routes.route(ACCOUNT + "/portins/<order_id>", methods=["GET"])
def get_portin(emu: Emulator, request: Request, account_id: str, order_id: str) -> Response:
    with emu.state.lock:
        order = emu.state.portins.get(order_id)
        if order is None:
            return empty_response(404)
        root = Element("LnpOrderResponse")
        _order_body(root, order, with_account=True)
    return _render(root)


def _within_a_day_of_foc(order: PortIn) -> bool:
    if order.status != "FOC" or not order.actual_foc:
        return False
    foc = _parse_time(order.actual_foc)
    return foc is not None and datetime.now(UTC) >= foc - timedelta(hours=24)


def _refuse_change(order: PortIn, action: str) -> None:
    if order.status in CLOSED:
        raise PortInRejected(
            [(7304, "The order is already complete and cannot be modified or cancelled")]
        )
    if order.status == "REQUESTED_CANCEL":
        raise PortInRejected([(7304, "The order is being cancelled and cannot be modified")])
    if _within_a_day_of_foc(order):
        raise PortInRejected(
            [
                (
                    7317,
                    f"A {action} is not allowed within 24 hours of the FOC date "
                    f"({order.actual_foc}).",
                )
            ]
        )


@routes.route(ACCOUNT + "/portins/<order_id>", methods=["PUT"])
def update_portin(emu: Emulator, request: Request, account_id: str, order_id: str) -> Response:
    body = _parse(request)
    if body is None or body.tag not in ("LnpOrderSupp", "LnpOrder"):
        return _malformed("LnpOrderResponse")
    notify = False
    with emu.state.lock:
        order = emu.state.portins.get(order_id)
        if order is None:
            return empty_response(404)
        try:
            if order.status == "DRAFT":
                candidate = _copy(order)
                _apply_fields(candidate, body)
                site_id = _text(body, "SiteId") or order.site_id
                peer_id = _text(body, "PeerId") or order.peer_id
                _validate_site(emu, site_id, peer_id)
                _validate_numbers(emu, candidate.numbers, order.id)
                candidate.site_id, candidate.peer_id = site_id, peer_id
                if (_text(body, "ProcessingStatus") or "").upper() == "SUBMITTED":
                    _submit(emu, candidate)
                    notify = True
                else:
                    candidate.last_modified = utc_now_iso()
                emu.state.portins[order.id] = order = candidate
                description = SUBMIT_DESCRIPTION
            else:
                _refuse_change(order, "supplement")
                candidate = _copy(order)
                _apply_fields(candidate, body)
                _validate_numbers(emu, candidate.numbers, order.id)
                _validate_submission(candidate)
                candidate.errors = []
                _set_status(emu, candidate, "REQUESTED_SUPP", "Supp requested", emu.config.username)
                emu.state.portins[order.id] = order = candidate
                emu.scheduler.call_later(
                    emu.config.order_complete_delay, partial(_supp_done, emu, order.id)
                )
                notify = True
                description = SUPP_DESCRIPTION
        except PortInRejected as rejection:
            return _rejection("LnpOrderResponse", rejection, order_id)
        root = Element("LnpOrderResponse")
        _el(root, "OrderId", order.id)
        status = _el(root, "Status")
        _el(status, "Code", 200)
        _el(status, "Description", description)
        _order_body(root, order, with_account=False)
    if notify:
        _notify_portin(emu, order)
    return _render(root)


def _copy(order: PortIn) -> PortIn:
    return PortIn(
        id=order.id,
        numbers=list(order.numbers),
        status=order.status,
        created=order.created,
        last_modified=order.last_modified,
        site_id=order.site_id,
        peer_id=order.peer_id,
        fields=dict(order.fields),
        subscriber_xml=order.subscriber_xml,
        account_number=order.account_number,
        pin=order.pin,
        actual_foc=order.actual_foc,
        errors=list(order.errors),
        files=list(order.files),
        notes=list(order.notes),
        history=list(order.history),
    )


def _supp_done(emu: Emulator, order_id: str) -> None:
    with emu.state.lock:
        order = emu.state.portins.get(order_id)
        if order is None or order.status != "REQUESTED_SUPP":
            return
        _set_status(emu, order, "SUBMITTED", "Supp accepted")
    _notify_portin(emu, order)


def _cancel_done(emu: Emulator, order_id: str) -> None:
    with emu.state.lock:
        order = emu.state.portins.get(order_id)
        if order is None or order.status != "REQUESTED_CANCEL":
            return
        _set_status(emu, order, "CANCELLED", "Order has been cancelled")
    _notify_portin(emu, order)


def resume_portins(emu: Emulator) -> None:
    """Finish the supplements and cancellations a restart interrupted."""
    with emu.state.lock:
        pending = [(o.id, o.status) for o in emu.state.portins.values()]
    for order_id, status in pending:
        if status == "REQUESTED_SUPP":
            emu.scheduler.call_later(
                emu.config.order_complete_delay, partial(_supp_done, emu, order_id)
            )
        elif status == "REQUESTED_CANCEL":
            emu.scheduler.call_later(
                emu.config.order_complete_delay, partial(_cancel_done, emu, order_id)
            )


@routes.route(ACCOUNT + "/portins/<order_id>", methods=["DELETE"])
def delete_portin(emu: Emulator, request: Request, account_id: str, order_id: str) -> Response:
    with emu.state.lock:
        order = emu.state.portins.get(order_id)
        if order is None:
            return empty_response(404)
        if order.status == "DRAFT":
            del emu.state.portins[order_id]
            return empty_response(200)
        try:
            _refuse_change(order, "cancellation")
        except PortInRejected as rejection:
            return _rejection("LnpOrderResponse", rejection, order_id)
        _set_status(emu, order, "REQUESTED_CANCEL", "Cancel requested", emu.config.username)
        emu.scheduler.call_later(
            emu.config.order_complete_delay, partial(_cancel_done, emu, order.id)
        )
    _notify_portin(emu, order)
    return empty_response(200)


# --- files ---


def _file_response(status: int, code: int, message: str, filename: str = "") -> Response:
    root = Element("fileUploadResponse")
    if filename:
        _el(root, "filename", filename)
    _el(root, "resultCode", code)
    _el(root, "resultMessage", message)
    return _render(root, status)


@routes.route(ACCOUNT + "/portins/<order_id>/loas", methods=["POST"])
def upload_loa(emu: Emulator, request: Request, account_id: str, order_id: str) -> Response:
    query_type = request.args.get("documentType")
    header_type = request.headers.get("documentType")
    if query_type and header_type and query_type.upper() != header_type.upper():
        return _file_response(409, 1, "Conflicting values specified for documentType.")
    document_type = (query_type or header_type or "").upper()
    if document_type not in DOCUMENT_TYPES:
        return _file_response(
            400, 1, "Supported values for documentType are: LOA, INVOICE, CSR, or OTHER."
        )
    content_type = (request.mimetype or "").lower()
    extension = FILE_TYPES.get(content_type)
    if extension is None:
        return _file_response(400, 1, f"The file type {content_type or 'none'} is not supported.")
    content = request.get_data()
    if not content:
        return _file_response(400, 1, "The file is empty.")
    notify = False
    with emu.state.lock:
        order = emu.state.portins.get(order_id)
        if order is None:
            return empty_response(404)
        if order.status in CLOSED:
            return _file_response(400, 1, "Files cannot be added to a closed order.")
        toll_free = bool(order.numbers) and all(is_toll_free(n) for n in order.numbers)
        if toll_free and document_type == "LOA" and content_type not in TOLL_FREE_LOA_TYPES:
            return _file_response(
                409,
                1,
                "Document uploads for toll free port-ins must use the application/pdf "
                "or image/tiff formats.",
            )
        stamp = int(datetime.now(UTC).timestamp() * 1000)
        name = f"{order.id}-{len(order.files) + 1}{stamp}.{extension}"
        order.files.append(PortInFile(name, document_type, content_type, len(content)))
        order.last_modified = utc_now_iso()
        if order.status == "PENDING_DOCUMENTS" and document_type == "LOA":
            _set_status(emu, order, "SUBMITTED", "LOA received")
            notify = True
    if notify:
        _notify_portin(emu, order)
    response = _file_response(201, 0, f"LOA file uploaded successfully for order {order_id}", name)
    response.headers["Location"] = _location(emu, f"/portins/{order_id}/loas/{name}")
    return response


@routes.route(ACCOUNT + "/portins/<order_id>/loas", methods=["GET"])
def list_loas(emu: Emulator, request: Request, account_id: str, order_id: str) -> Response:
    with emu.state.lock:
        order = emu.state.portins.get(order_id)
        if order is None:
            return empty_response(404)
        root = Element("fileListResponse")
        _el(root, "fileCount", len(order.files))
        for item in order.files:
            data = _el(root, "fileData")
            _el(data, "FileName", item.name)
            _el(_el(data, "FileMetaData"), "DocumentType", item.document_type)
        _el(root, "resultCode", 0)
        _el(root, "resultMessage", "LOA file list successfully returned")
    return _render(root)


# --- notes and history ---


@routes.route(ACCOUNT + "/portins/<order_id>/notes", methods=["GET"])
def list_notes(emu: Emulator, request: Request, account_id: str, order_id: str) -> Response:
    with emu.state.lock:
        order = emu.state.portins.get(order_id)
        if order is None:
            return empty_response(404)
        if not order.notes:
            return empty_response(204)
        root = Element("Notes")
        for note_id, user, description, when in order.notes:
            note = _el(root, "Note")
            _el(note, "Id", note_id)
            _el(note, "UserId", user)
            _el(note, "Description", description)
            _el(note, "LastDateModifier", when)
    return _render(root)


def _note_error(code: int, description: str) -> Response:
    root = Element("NoteResponse")
    status = _el(root, "ResponseStatus")
    _el(status, "ErrorCode", code)
    _el(status, "Description", description)
    return _render(root, 400)


def add_note(emu: Emulator, order: PortIn, user: str, description: str) -> str:
    note_id = emu.state.next_numeric_id()
    order.notes.append((note_id, user, description, utc_now_iso()))
    return note_id


@routes.route(ACCOUNT + "/portins/<order_id>/notes", methods=["POST"])
def create_note(emu: Emulator, request: Request, account_id: str, order_id: str) -> Response:
    body = _parse(request)
    if body is None or body.tag != "Note":
        return _malformed("NoteResponse")
    user = _text(body, "UserId")
    description = _text(body, "Description")
    if user is None:
        return _note_error(12501, "Username is required")
    if description is None or len(description) > 500:
        return _note_error(12502, "Description is required and holds at most 500 characters")
    with emu.state.lock:
        order = emu.state.portins.get(order_id)
        if order is None:
            return empty_response(404)
        note_id = add_note(emu, order, user, description)
    return empty_response(201, {"Location": _location(emu, f"/portins/{order_id}/notes/{note_id}")})


@routes.route(ACCOUNT + "/portins/<order_id>/history", methods=["GET"])
def get_history(emu: Emulator, request: Request, account_id: str, order_id: str) -> Response:
    with emu.state.lock:
        order = emu.state.portins.get(order_id)
        if order is None:
            return empty_response(404)
        root = Element("OrderHistoryWrapper")
        if order.status == "DRAFT":
            status = _el(root, "IrisStatus")
            _el(status, "Code", 7710)
            _el(
                status,
                "Description",
                "History is not supported for bulk port-ins or individual port-ins in draft "
                "status.",
            )
            return _render(root)
        for when, note, author, state in order.history:
            item = _el(root, "OrderHistory")
            _el(item, "OrderDate", when)
            _el(item, "Note", note)
            _el(item, "Author", author)
            _el(item, "Status", state)
    return _render(root)


# --- simulation and notifications ---

SIM_STATUSES = ("FOC", "EXCEPTION", "COMPLETE", "CANCELLED")


def simulate(
    emu: Emulator, order_id: str, status: str, foc_date: str | None, note: str | None
) -> PortIn:
    """Moves an order as Bandwidth's porting desk would; ``ValueError`` names what is wrong."""
    if status not in SIM_STATUSES:
        raise ValueError(f"'status' must be one of {', '.join(SIM_STATUSES)}")
    with emu.state.lock:
        order = emu.state.portins.get(order_id)
        if order is None:
            raise LookupError(order_id)
        if order.status in (*CLOSED, "DRAFT"):
            raise ValueError(f"the order is {order.status} and cannot move")
        if status == "FOC":
            when = foc_date or order.fields.get("RequestedFocDate") or earliest_foc()
            parsed = _parse_time(when)
            if parsed is None:
                raise ValueError("'focDate' must be an ISO date or time")
            order.actual_foc = parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            order.errors = []
            message = note or "Order waiting for activation"
        elif status == "EXCEPTION":
            reason = note or "7999: E37 TN not found in PPS (PPS)"
            code_text, _, text = reason.partition(": ")
            code = int(code_text) if code_text.isdigit() and text else 7999
            order.errors = [(code, text if code_text.isdigit() and text else reason)]
            message = reason
        elif status == "COMPLETE":
            for number in order.numbers:
                emu.state.put_in_service(e164(number), order.site_id, order.peer_id, order.id)
            message = note or "Order is complete"
        else:
            message = note or "Order has been cancelled"
        _set_status(emu, order, status, message)
        if note:
            add_note(emu, order, "System", note)
    _notify_portin(emu, order)
    return order


def _notify_portin(emu: Emulator, order: PortIn) -> None:
    with emu.state.lock:
        subscriptions = [
            s for s in emu.state.subscriptions.values() if s.order_type == "portins" and s.url
        ]
        note = order.history[-1][1] if order.history else ""
        snapshot = (order.status, list(order.numbers), order.last_modified, order.fields.copy())
    status, numbers, last_modified, fields = snapshot
    for subscription in subscriptions:
        root = Element("Notification")
        _el(root, "SubscriptionId", subscription.id)
        _el(root, "OrderType", "portins")
        _el(root, "OrderId", order.id)
        if fields.get("CustomerOrderId"):
            _el(root, "CustomerOrderId", fields["CustomerOrderId"])
        _el(root, "Status", status)
        if note:
            _el(root, "Note", note)
        if status == "COMPLETE":
            completed = _el(root, "CompletedTelephoneNumbers")
            for number in numbers:
                _el(completed, "TelephoneNumber", ten_digits(e164(number)))
        _el(root, "LastModifiedDate", last_modified)
        emu.callbacks.deliver(
            subscription.url,
            xml_body=XML_DECLARATION + tostring(root, encoding="unicode"),
            credentials=subscription.credentials,
            kind="numbers-portins",
            retry=False,
        )
