"""Numbers / Dashboard API (XML) under ``/api/accounts/{accountId}`` and ``/api/v1/accounts/...``.

Outcomes the emulator decides (Bandwidth's own rules where known, otherwise documented here):

- Orders are answered ``201`` with ``RECEIVED`` and complete after ``order_complete_delay``
  (scaled). At completion each number either goes into service or fails:
  already in service (or taken by an earlier order) → ``5005`` Telephone Number Unavailable;
  last four digits ``0666`` → ``5076`` Telephone number is not available.
  ``PartialAllowed`` false with any failure → ``FAILED`` and nothing is assigned; otherwise
  ``PARTIAL`` (some failed) or ``FAILED`` (all failed) or ``COMPLETE``.
- Synchronous order errors (400 ``OrderResponse/ErrorList``): ``5016`` invalid SiteId (as
  Bandwidth), and emulator-chosen ``5017`` invalid PeerId, ``5018`` unsupported/missing order
  type, ``5019`` invalid CustomerOrderId, ``5020`` empty number list.
- Disconnects of numbers not in service on the account fail per number with ``5006``
  (emulator-chosen).
- Search errors: ``4000`` invalid area code and ``4010`` missing parameters are Bandwidth's;
  ``4001`` bad quantity, ``4002`` unknown state, ``4003`` bad ZIP, ``4004`` bad toll-free
  pattern, ``4005`` bad vanity, ``4006`` bad NPA-NXX, ``4007`` conflicting parameters are
  emulator-chosen within Bandwidth's 4000-4026 search range.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException
from werkzeug.wrappers import Request, Response

from bandwidth.emulator import inventory
from bandwidth.emulator.http import (
    XML_DECLARATION,
    Routes,
    empty_response,
    numbers_error,
    utc_now_iso,
    xml_response,
)
from bandwidth.emulator.state import Application, Order, ServiceType, SipPeer, Subscription

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

routes = Routes(api="numbers", prefixes=("/api", "/api/v1"))

ACCOUNT = "/accounts/<account_id>"
PEER = ACCOUNT + "/sites/<site_id>/sippeers/<peer_id>"
CUSTOMER_ORDER_ID = re.compile(r"^[A-Za-z0-9 \-]{1,40}$")
TEN_DIGITS = re.compile(r"^[2-9]\d{2}[2-9]\d{6}$")
MAX_QUANTITY = 5000
SEARCH_ORDER_TYPES = (
    "AreaCodeSearchAndOrderType",
    "NPANXXSearchAndOrderType",
    "RateCenterSearchAndOrderType",
    "CitySearchAndOrderType",
    "StateSearchAndOrderType",
    "ZIPSearchAndOrderType",
    "LATASearchAndOrderType",
    "TollFreeVanitySearchAndOrderType",
    "TollFreeWildCharSearchAndOrderType",
    "CombinedSearchAndOrderType",
)
UNAVAILABLE = (5005, "Telephone Number Unavailable")
NOT_AVAILABLE = (5076, "Telephone number is not available.")
NOT_ON_ACCOUNT = (5006, "Telephone number is not in service on this account.")


# --- XML helpers ---


def _el(parent: Element, tag: str, text: object = None) -> Element:
    child = SubElement(parent, tag)
    if text is not None:
        child.text = str(text)
    return child


def _render(root: Element, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return xml_response(tostring(root, encoding="unicode"), status, headers)


def _parse(request: Request) -> Element | None:
    try:
        root: Element = SafeElementTree.fromstring(request.get_data())
    except (ParseError, DefusedXmlException, ValueError):
        return None
    return root


def _text(element: Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip().strip('"') or None


def _flag(element: Element | None, path: str, default: bool) -> bool:
    value = _text(element, path)
    return default if value is None else value.lower() == "true"


def _response_status(root_tag: str, status: int, code: int, description: str) -> Response:
    root = Element(root_tag)
    response_status = _el(root, "ResponseStatus")
    _el(response_status, "ErrorCode", code)
    _el(response_status, "Description", description)
    return _render(root, status)


def _malformed(root_tag: str) -> Response:
    return numbers_error(root_tag, 400, 1001, "The request payload could not be parsed as XML")


def e164(ten_digits: str) -> str:
    return "+1" + ten_digits


def ten_digits(number: str) -> str:
    return number[2:] if number.startswith("+1") else number


def _location(emu: Emulator, path: str) -> str:
    return f"{emu.numbers_base()}{path}"


# --- search ---


class SearchError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass(frozen=True)
class SearchCriteria:
    area_code: str | None = None
    npa_nxx: str | None = None
    npa_nxxx: str | None = None
    city: str | None = None
    rate_center: str | None = None
    state: str | None = None
    zip_code: str | None = None
    lata: str | None = None
    local_vanity: str | None = None
    ends_in: bool = False
    toll_free_vanity: str | None = None
    toll_free_pattern: str | None = None

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.area_code,
                self.npa_nxx,
                self.npa_nxxx,
                self.city,
                self.rate_center,
                self.state,
                self.zip_code,
                self.lata,
                self.toll_free_vanity,
                self.toll_free_pattern,
            )
        )


def _candidate_npas(criteria: SearchCriteria) -> list[str]:
    if criteria.area_code:
        if not inventory.is_valid_npa(criteria.area_code):
            raise SearchError(
                4000,
                f"The area code specified {criteria.area_code} is not present as a valid "
                "entry in our system",
            )
        return [criteria.area_code]
    for prefix in (criteria.npa_nxx, criteria.npa_nxxx):
        if prefix:
            if not prefix.isdigit() or not inventory.is_valid_npa(prefix[:3]):
                raise SearchError(4006, f"The NPA-NXX {prefix} is not valid")
            return [prefix[:3]]
    if criteria.zip_code:
        npa = inventory.npa_for_zip(criteria.zip_code)
        if npa is None:
            raise SearchError(4003, f"The zip code {criteria.zip_code} is not valid")
        return [npa]
    if criteria.city or criteria.rate_center:
        if not criteria.state:
            raise SearchError(
                4010,
                "One of more required search parameters are null or empty, please refer to "
                "the api documentation",
            )
        place = criteria.city or criteria.rate_center or ""
        npas = inventory.npas_for_city(place, criteria.state)
        if not npas:
            raise SearchError(4002, f"The state {criteria.state} is not valid")
        return npas
    if criteria.state:
        npas = inventory.npas_for_state(criteria.state)
        if not npas:
            raise SearchError(4002, f"The state {criteria.state} is not valid")
        return npas
    if criteria.lata:
        return inventory.npas_for_lata(criteria.lata)
    return []


def _toll_free_candidates(criteria: SearchCriteria) -> Iterator[str]:
    if criteria.toll_free_pattern:
        pattern = criteria.toll_free_pattern
        if not re.fullmatch(r"8[0-9*]{2}", pattern):
            raise SearchError(4004, f"The toll free wild card pattern {pattern} is not valid")
        for npa in inventory.toll_free_wildcard_matches(pattern):
            yield from inventory.numbers_in_npa(npa)
        return
    vanity = criteria.toll_free_vanity or ""
    numbers = inventory.toll_free_vanity_numbers(vanity)
    if not numbers:
        raise SearchError(4005, f"The toll free vanity {vanity} is not valid")
    yield from numbers


def _local_candidates(criteria: SearchCriteria) -> Iterator[str]:
    vanity_digits = None
    if criteria.local_vanity:
        vanity_digits = inventory.vanity_digits(criteria.local_vanity)
        if vanity_digits is None or not 4 <= len(vanity_digits) <= 7:
            raise SearchError(4005, f"The local vanity {criteria.local_vanity} is not valid")
    prefix = criteria.npa_nxxx or criteria.npa_nxx or ""
    for npa in _candidate_npas(criteria):
        for number in inventory.numbers_in_npa(npa):
            if not number.startswith(prefix):
                continue
            if vanity_digits and not _matches_vanity(number, vanity_digits, criteria.ends_in):
                continue
            yield number


def _matches_vanity(number: str, digits: str, ends_in: bool) -> bool:
    last_seven = number[3:]
    return last_seven.endswith(digits) if ends_in else digits in last_seven


def find_available(emu: Emulator, criteria: SearchCriteria, quantity: int) -> list[str]:
    """Ten-digit numbers neither in service nor held by a pending order."""
    if criteria.is_empty:
        raise SearchError(
            4010,
            "One of more required search parameters are null or empty, please refer to the "
            "api documentation",
        )
    toll_free = bool(criteria.toll_free_pattern or criteria.toll_free_vanity)
    if toll_free and (criteria.area_code or criteria.state or criteria.zip_code or criteria.city):
        raise SearchError(4007, "Toll free and local search parameters cannot be combined")
    candidates = _toll_free_candidates(criteria) if toll_free else _local_candidates(criteria)
    taken = _taken_numbers(emu)
    found: list[str] = []
    for number in candidates:
        if e164(number) not in taken:
            found.append(number)
            if len(found) >= quantity:
                break
    return found


def _taken_numbers(emu: Emulator) -> set[str]:
    with emu.state.lock:
        taken = set(emu.state.in_service)
        for order in emu.state.orders.values():
            if order.status == "RECEIVED":
                taken.update(order.requested_numbers)
    return taken


def _criteria_from_args(request: Request) -> SearchCriteria:
    args = request.args
    return SearchCriteria(
        area_code=args.get("areaCode"),
        npa_nxx=args.get("npaNxx"),
        npa_nxxx=args.get("npaNxxx"),
        city=args.get("city"),
        rate_center=args.get("rateCenter"),
        state=args.get("state"),
        zip_code=args.get("zip"),
        lata=args.get("lata"),
        local_vanity=args.get("localVanity"),
        ends_in=args.get("endsIn", "false").lower() == "true",
        toll_free_vanity=args.get("tollFreeVanity"),
        toll_free_pattern=args.get("tollFreeWildCardPattern"),
    )


def _quantity(value: str | None) -> int:
    if value is None:
        return MAX_QUANTITY
    if not value.isdigit() or not 1 <= int(value) <= MAX_QUANTITY:
        raise SearchError(4001, f"The quantity must be between 1 and {MAX_QUANTITY}")
    return int(value)


def _detail(parent: Element, number: str) -> None:
    detail = _el(parent, "TelephoneNumberDetail")
    place = inventory.locality(number)
    if place is not None:
        _el(detail, "City", place.city)
        _el(detail, "LATA", place.lata)
        _el(detail, "RateCenter", place.city)
        _el(detail, "State", place.state)
    _el(detail, "FullNumber", number)
    _el(detail, "Tier", 0)
    _el(detail, "VendorId", 49)
    _el(detail, "VendorName", "Bandwidth CLEC")


@routes.route(ACCOUNT + "/availableNumbers", methods=["GET"])
def available_numbers(emu: Emulator, request: Request, account_id: str) -> Response:
    try:
        quantity = _quantity(request.args.get("quantity"))
        numbers = find_available(emu, _criteria_from_args(request), quantity)
    except SearchError as error:
        return numbers_error("SearchResult", 400, error.code, error.description, list_wrapper=False)
    root = Element("SearchResult")
    if not numbers:
        return _render(root)
    _el(root, "ResultCount", len(numbers))
    if request.args.get("enableTNDetail", "false").lower() == "true":
        details = _el(root, "TelephoneNumberDetailList")
        for number in numbers:
            _detail(details, number)
    else:
        listing = _el(root, "TelephoneNumberList")
        for number in numbers:
            _el(listing, "TelephoneNumber", number)
    return _render(root)


# --- orders ---


class OrderRejected(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _order_type(order_xml: Element) -> Element | None:
    for tag in ("ExistingTelephoneNumberOrderType", *SEARCH_ORDER_TYPES):
        found = order_xml.find(tag)
        if found is not None:
            return found
    return None


def _criteria_from_order_type(order_type: Element) -> SearchCriteria:
    return SearchCriteria(
        area_code=_text(order_type, "AreaCode"),
        npa_nxx=_text(order_type, "NpaNxx"),
        npa_nxxx=_text(order_type, "NpaNxxX"),
        city=_text(order_type, "City"),
        rate_center=_text(order_type, "RateCenter"),
        state=_text(order_type, "State"),
        zip_code=_text(order_type, "Zip"),
        lata=_text(order_type, "Lata"),
        local_vanity=_text(order_type, "LocalVanity"),
        ends_in=_flag(order_type, "EndsIn", False),
        toll_free_vanity=_text(order_type, "TollFreeVanity"),
        toll_free_pattern=_text(order_type, "TollFreeWildCardPattern"),
    )


def _requested_numbers(emu: Emulator, order_type: Element) -> list[str]:
    if order_type.tag == "ExistingTelephoneNumberOrderType":
        numbers = [(el.text or "").strip() for el in order_type.iterfind("TelephoneNumberList/*")]
        numbers = [n for n in numbers if n]
        if not numbers:
            raise OrderRejected(5020, "The TelephoneNumberList must not be empty.")
        for number in numbers:
            if not TEN_DIGITS.match(number):
                raise OrderRejected(5020, f"Telephone number {number} is invalid.")
        return [e164(n) for n in numbers]
    quantity_text = _text(order_type, "Quantity") or "1"
    if not quantity_text.isdigit() or not 1 <= int(quantity_text) <= MAX_QUANTITY:
        raise OrderRejected(5020, f"The Quantity must be between 1 and {MAX_QUANTITY}.")
    try:
        found = find_available(emu, _criteria_from_order_type(order_type), int(quantity_text))
    except SearchError as error:
        raise OrderRejected(error.code, error.description) from error
    if not found:
        raise OrderRejected(5020, "No telephone numbers match the search criteria.")
    return [e164(n) for n in found]


def _resolve_site_and_peer(emu: Emulator, order_xml: Element) -> tuple[str, str]:
    site_id = _text(order_xml, "SiteId")
    with emu.state.lock:
        if site_id is None or site_id not in emu.state.sites:
            raise OrderRejected(5016, "The SiteId submitted is invalid.")
        peer_id = _text(order_xml, "PeerId")
        if peer_id is None:
            default = emu.state.default_peer(site_id)
            if default is None:
                raise OrderRejected(5017, "The site has no SIP peer to assign numbers to.")
            return site_id, default.id
        peer = emu.state.sip_peers.get(peer_id)
        if peer is None or peer.site_id != site_id:
            raise OrderRejected(5017, "The PeerId submitted is invalid.")
        return site_id, peer_id


def _new_order(emu: Emulator, order_xml: Element) -> Order:
    customer_order_id = _text(order_xml, "CustomerOrderId") or ""
    if customer_order_id and not CUSTOMER_ORDER_ID.match(customer_order_id):
        raise OrderRejected(
            5019, "CustomerOrderId may hold up to 40 letters, digits, dashes and spaces."
        )
    site_id, peer_id = _resolve_site_and_peer(emu, order_xml)
    order_type = _order_type(order_xml)
    if order_type is None:
        raise OrderRejected(5018, "The order type is missing or not supported.")
    requested = _requested_numbers(emu, order_type)
    now = utc_now_iso()
    return Order(
        id=emu.state.new_uuid(),
        kind="order",
        customer_order_id=customer_order_id,
        site_id=site_id,
        peer_id=peer_id,
        created=now,
        last_modified=now,
        request_xml=tostring(order_type, encoding="unicode"),
        order_type_tag=order_type.tag,
        requested_numbers=requested,
        name=_text(order_xml, "Name") or "",
        partial_allowed=_flag(order_xml, "PartialAllowed", True),
        back_order_requested=_flag(order_xml, "BackOrderRequested", False),
    )


def _order_element(parent: Element, order: Order, tag: str = "Order") -> Element:
    element = _el(parent, tag)
    if order.customer_order_id:
        _el(element, "CustomerOrderId", order.customer_order_id)
    if order.name:
        _el(element, "Name", order.name)
    _el(element, "OrderCreateDate", order.created)
    if order.peer_id:
        _el(element, "PeerId", order.peer_id)
    _el(element, "BackOrderRequested", str(order.back_order_requested).lower())
    _el(element, "id", order.id)
    element.append(SafeElementTree.fromstring(order.request_xml))
    _el(element, "PartialAllowed", str(order.partial_allowed).lower())
    if order.site_id:
        _el(element, "SiteId", order.site_id)
    return element


def _echo_rejected_order(order_xml: Element) -> Element:
    echo = Element("Order")
    for child in order_xml:
        echo.append(child)
    _el(echo, "OrderCreateDate", utc_now_iso())
    return echo


@routes.route(ACCOUNT + "/orders", methods=["POST"])
def create_order(emu: Emulator, request: Request, account_id: str) -> Response:
    order_xml = _parse(request)
    if order_xml is None or order_xml.tag != "Order":
        return _malformed("OrderResponse")
    try:
        order = _new_order(emu, order_xml)
    except OrderRejected as rejection:
        root = Element("OrderResponse")
        errors = _el(_el(root, "ErrorList"), "Error")
        _el(errors, "Code", rejection.code)
        _el(errors, "Description", rejection.description)
        root.append(_echo_rejected_order(order_xml))
        return _render(root, 400)
    with emu.state.lock:
        emu.state.orders[order.id] = order
    schedule_order_completion(emu, order)
    root = Element("OrderResponse")
    _order_element(root, order)
    _el(root, "OrderStatus", order.status)
    return _render(root, 201, {"Location": _location(emu, f"/orders/{order.id}")})


def _order_failure(emu: Emulator, order: Order, number: str) -> tuple[int, str] | None:
    if number in emu.state.in_service:
        return UNAVAILABLE
    if number.endswith(inventory.FAILING_LINE):
        return NOT_AVAILABLE
    return None


def schedule_order_completion(emu: Emulator, order: Order) -> None:
    emu.scheduler.call_later(emu.config.order_complete_delay, partial(_complete_order, emu, order))


def schedule_disconnect_completion(emu: Emulator, order: Order) -> None:
    emu.scheduler.call_later(
        emu.config.disconnect_complete_delay, partial(_complete_disconnect, emu, order)
    )


def _complete_order(emu: Emulator, order: Order) -> None:
    state = emu.state
    with state.lock:
        if state.orders.get(order.id) is not order:
            return
        failures = {n: f for n in order.requested_numbers if (f := _order_failure(emu, order, n))}
        good = [n for n in order.requested_numbers if n not in failures]
        if failures and not order.partial_allowed:
            good = []
        for number in good:
            state.put_in_service(number, order.site_id or "", order.peer_id or "", order.id)
        order.completed_numbers = good
        order.failed_numbers = [n for n in order.requested_numbers if n not in good]
        order.errors = [(code, text, n) for n, (code, text) in failures.items()]
        order.status = _final_status(len(good), len(order.failed_numbers))
        order.last_modified = order.completed = utc_now_iso()
    _notify(emu, "orders", order)


def _final_status(succeeded: int, failed: int) -> str:
    if failed == 0:
        return "COMPLETE"
    return "PARTIAL" if succeeded else "FAILED"


def _error_list(parent: Element, errors: Iterable[tuple[int, str, str]]) -> None:
    errors = list(errors)
    if not errors:
        return
    error_list = _el(parent, "ErrorList")
    for code, description, number in errors:
        error = _el(error_list, "Error")
        _el(error, "Code", code)
        _el(error, "Description", description)
        _el(error, "TelephoneNumber", ten_digits(number))


def _number_detail(parent: Element, number: str, with_detail: bool) -> None:
    tn = _el(parent, "TelephoneNumber")
    _el(tn, "FullNumber", ten_digits(number))
    place = inventory.locality(ten_digits(number))
    if with_detail and place is not None:
        _el(tn, "City", place.city)
        _el(tn, "LATA", place.lata)
        _el(tn, "RateCenter", place.city)
        _el(tn, "State", place.state)
        _el(tn, "Tier", 0)
        _el(tn, "VendorId", 49)
        _el(tn, "VendorName", "Bandwidth CLEC")


@routes.route(ACCOUNT + "/orders/<order_id>", methods=["GET"])
def get_order(emu: Emulator, request: Request, account_id: str, order_id: str) -> Response:
    with_detail = request.args.get("tndetail", "false").lower() == "true"
    with emu.state.lock:
        order = emu.state.orders.get(order_id)
        if order is None:
            return empty_response(404)
        root = Element("OrderResponse")
        if order.status != "RECEIVED":
            _el(root, "CompletedQuantity", len(order.completed_numbers))
        _el(root, "CreatedByUser", emu.config.username)
        _error_list(root, order.errors)
        _el(root, "LastModifiedDate", order.last_modified)
        if order.completed:
            _el(root, "OrderCompleteDate", order.completed)
        _order_element(root, order)
        _el(root, "OrderStatus", order.status)
        if order.completed_numbers:
            completed = _el(root, "CompletedNumbers")
            for number in order.completed_numbers:
                _number_detail(completed, number, with_detail)
        if order.failed_numbers:
            failed = _el(root, "FailedNumbers")
            for number in order.failed_numbers:
                _el(failed, "FullNumber", ten_digits(number))
        if order.status != "RECEIVED":
            _el(root, "FailedQuantity", len(order.failed_numbers))
    return _render(root)


def _list_orders(emu: Emulator, request: Request, orders: list[Order], id_tag: str) -> Response:
    customer_order_id = request.args.get("customerOrderId")
    status = request.args.get("status")
    selected = [
        o
        for o in orders
        if (not customer_order_id or o.customer_order_id == customer_order_id)
        and (not status or o.status == status.upper())
    ]
    size_text = request.args.get("size", "300")
    if not size_text.isdigit() or int(size_text) < 1:
        return empty_response(400)
    page_start = request.args.get("page", "1")
    start = 0
    if page_start != "1":
        start = next((i for i, o in enumerate(selected) if o.id == page_start), len(selected))
    page = selected[start : start + int(size_text)]
    root = Element("ResponseSelectWrapper")
    listing = _el(root, "ListOrderIdUserIdDate")
    _el(listing, "TotalCount", len(selected))
    for order in page:
        item = _el(listing, "OrderIdUserIdDate")
        _el(item, "CountOfTNs", len(order.completed_numbers or order.requested_numbers))
        if order.customer_order_id:
            _el(item, "CustomerOrderId", order.customer_order_id)
        _el(item, "userId", emu.config.username)
        _el(item, "lastModifiedDate", order.last_modified)
        _el(item, id_tag, order.id)
        if order.kind == "disconnect":
            _el(item, "OrderType", "disconnect")
        _el(item, "OrderDate", order.created)
        _el(item, "OrderStatus", order.status)
    return _render(root)


@routes.route(ACCOUNT + "/orders", methods=["GET"])
def list_orders(emu: Emulator, request: Request, account_id: str) -> Response:
    with emu.state.lock:
        orders = list(emu.state.orders.values())
    return _list_orders(emu, request, orders, "orderId")


# --- disconnects ---


@routes.route(ACCOUNT + "/disconnects", methods=["POST"])
def create_disconnect(emu: Emulator, request: Request, account_id: str) -> Response:
    body = _parse(request)
    root_tag = "DisconnectTelephoneNumberOrderResponse"
    if body is None or body.tag != "DisconnectTelephoneNumberOrder":
        return _malformed(root_tag)
    order_type = body.find("DisconnectTelephoneNumberOrderType")
    numbers = [
        (el.text or "").strip()
        for el in (order_type.iterfind("TelephoneNumberList/*") if order_type is not None else [])
    ]
    numbers = [n for n in numbers if n]
    invalid = next((n for n in numbers if not TEN_DIGITS.match(n)), None)
    customer_order_id = _text(body, "CustomerOrderId") or ""
    problem = None
    if order_type is None or not numbers:
        problem = (5020, "The TelephoneNumberList must not be empty.")
    elif invalid is not None:
        problem = (5020, f"Telephone number {invalid} is invalid.")
    elif customer_order_id and not CUSTOMER_ORDER_ID.match(customer_order_id):
        problem = (5019, "CustomerOrderId may hold up to 40 letters, digits, dashes and spaces.")
    if problem is not None:
        root = Element(root_tag)
        error = _el(_el(root, "ErrorList"), "Error")
        _el(error, "Code", problem[0])
        _el(error, "Description", problem[1])
        return _render(root, 400)
    assert order_type is not None
    mode = (_text(order_type, "DisconnectMode") or "normal").lower()
    protected = _text(order_type, "Protected") or "UNCHANGED"
    now = utc_now_iso()
    order = Order(
        id=emu.state.new_uuid(),
        kind="disconnect",
        customer_order_id=customer_order_id,
        site_id=None,
        peer_id=None,
        created=now,
        last_modified=now,
        request_xml=protected,
        order_type_tag="DisconnectTelephoneNumberOrderType",
        requested_numbers=[e164(n) for n in numbers],
        disconnect_mode=mode,
    )
    with emu.state.lock:
        emu.state.disconnects[order.id] = order
    schedule_disconnect_completion(emu, order)
    root = Element(root_tag)
    _disconnect_request(root, order)
    _el(root, "OrderStatus", order.status)
    return _render(root, 201, {"Location": _location(emu, f"/disconnects/{order.id}")})


def _disconnect_request(parent: Element, order: Order) -> None:
    request_el = _el(parent, "orderRequest")
    if order.customer_order_id:
        _el(request_el, "CustomerOrderId", order.customer_order_id)
    _el(request_el, "id", order.id)
    _el(request_el, "OrderCreateDate", order.created)
    order_type = _el(request_el, "DisconnectTelephoneNumberOrderType")
    _el(order_type, "DisconnectMode", order.disconnect_mode)
    _el(order_type, "Protected", order.request_xml)
    listing = _el(order_type, "TelephoneNumberList")
    for number in order.requested_numbers:
        _el(listing, "TelephoneNumber", ten_digits(number))


def _complete_disconnect(emu: Emulator, order: Order) -> None:
    state = emu.state
    with state.lock:
        if state.disconnects.get(order.id) is not order:
            return
        done, failed = [], []
        for number in order.requested_numbers:
            if state.in_service.pop(number, None) is not None:
                done.append(number)
            else:
                failed.append(number)
        order.completed_numbers = done
        order.failed_numbers = failed
        order.errors = [(*NOT_ON_ACCOUNT, n) for n in failed]
        order.status = _final_status(len(done), len(failed))
        order.last_modified = order.completed = utc_now_iso()
    _notify(emu, "disconnects", order)


@routes.route(ACCOUNT + "/disconnects/<order_id>", methods=["GET"])
def get_disconnect(emu: Emulator, request: Request, account_id: str, order_id: str) -> Response:
    with_detail = request.args.get("tndetail", "false").lower() == "true"
    with emu.state.lock:
        order = emu.state.disconnects.get(order_id)
        if order is None:
            return empty_response(404)
        root = Element("DisconnectTelephoneNumberOrderResponse")
        if with_detail and order.completed_numbers:
            listing = _el(root, "DisconnectedTelephoneNumberList")
            for number in order.completed_numbers:
                _el(listing, "TelephoneNumber", ten_digits(number))
        _error_list(root, order.errors)
        _disconnect_request(root, order)
        _el(root, "OrderStatus", order.status)
    return _render(root)


@routes.route(ACCOUNT + "/disconnects", methods=["GET"])
def list_disconnects(emu: Emulator, request: Request, account_id: str) -> Response:
    with emu.state.lock:
        orders = list(emu.state.disconnects.values())
    return _list_orders(emu, request, orders, "OrderId")


# --- notifications ---


def _notify(emu: Emulator, order_type: str, order: Order) -> None:
    with emu.state.lock:
        subscriptions = [
            s for s in emu.state.subscriptions.values() if s.order_type == order_type and s.url
        ]
    for subscription in subscriptions:
        root = Element("Notification")
        _el(root, "SubscriptionId", subscription.id)
        _el(root, "OrderType", order_type)
        _el(root, "OrderId", order.id)
        if order.customer_order_id:
            _el(root, "CustomerOrderId", order.customer_order_id)
        _el(root, "Status", order.status)
        _el(root, "Message", _notification_message(order))
        if order.completed_numbers:
            completed = _el(root, "CompletedTelephoneNumbers")
            for number in order.completed_numbers:
                _el(completed, "TelephoneNumber", ten_digits(number))
        _el(root, "LastModifiedDate", order.last_modified)
        emu.callbacks.deliver(
            subscription.url,
            xml_body=XML_DECLARATION + tostring(root, encoding="unicode"),
            credentials=subscription.credentials,
            kind=f"numbers-{order_type}",
            retry=False,
        )


def _notification_message(order: Order) -> str:
    verb = "Disconnected" if order.kind == "disconnect" else "Created"
    count = len(order.completed_numbers)
    if order.status == "FAILED":
        return f"{order.errors[0][1]}" if order.errors else "Order failed"
    return f"{verb} {count} number{'s' if count != 1 else ''}"


# --- subscriptions ---


def _subscription_from_xml(emu: Emulator, body: Element) -> Subscription | Response:
    order_type = _text(body, "OrderType")
    url = _text(body, "CallbackSubscription/URL")
    if order_type not in ("orders", "disconnects", "portins", "portouts", "tnoptions"):
        return numbers_error("SubscriptionResponse", 400, 12000, "OrderType is not valid")
    if url is None or not url.startswith(("http://", "https://")):
        return numbers_error("SubscriptionResponse", 400, 12001, "Callback URL is not valid")
    user = _text(body, "CallbackSubscription/CallbackCredentials/BasicAuthentication/Username")
    password = _text(body, "CallbackSubscription/CallbackCredentials/BasicAuthentication/Password")
    return Subscription(
        id=emu.state.new_uuid(),
        order_type=order_type,
        url=url,
        credentials=(user, password or "") if user else None,
        expiry=_text(body, "CallbackSubscription/Expiry") or "",
    )


def _subscription_element(parent: Element, subscription: Subscription) -> None:
    element = _el(parent, "Subscription")
    _el(element, "SubscriptionId", subscription.id)
    _el(element, "OrderType", subscription.order_type)
    callback = _el(element, "CallbackSubscription")
    _el(callback, "URL", subscription.url)
    if subscription.expiry:
        _el(callback, "Expiry", subscription.expiry)
    if subscription.credentials:
        basic = _el(_el(callback, "CallbackCredentials"), "BasicAuthentication")
        _el(basic, "Username", subscription.credentials[0])


@routes.route(ACCOUNT + "/subscriptions", methods=["POST"])
def create_subscription(emu: Emulator, request: Request, account_id: str) -> Response:
    body = _parse(request)
    if body is None or body.tag != "Subscription":
        return _malformed("SubscriptionResponse")
    subscription = _subscription_from_xml(emu, body)
    if isinstance(subscription, Response):
        return subscription
    with emu.state.lock:
        emu.state.subscriptions[subscription.id] = subscription
    location = _location(emu, f"/subscriptions/{subscription.id}")
    return empty_response(201, {"Location": location})


@routes.route(ACCOUNT + "/subscriptions", methods=["GET"])
def list_subscriptions(emu: Emulator, request: Request, account_id: str) -> Response:
    order_type = request.args.get("orderType")
    root = Element("SubscriptionsResponse")
    listing = _el(root, "Subscriptions")
    with emu.state.lock:
        for subscription in emu.state.subscriptions.values():
            if not order_type or subscription.order_type == order_type:
                _subscription_element(listing, subscription)
    return _render(root)


@routes.route(ACCOUNT + "/subscriptions/<subscription_id>", methods=["GET"])
def get_subscription(
    emu: Emulator, request: Request, account_id: str, subscription_id: str
) -> Response:
    with emu.state.lock:
        subscription = emu.state.subscriptions.get(subscription_id)
        if subscription is None:
            return empty_response(404)
        root = Element("SubscriptionsResponse")
        _subscription_element(_el(root, "Subscriptions"), subscription)
    return _render(root)


@routes.route(ACCOUNT + "/subscriptions/<subscription_id>", methods=["DELETE"])
def delete_subscription(
    emu: Emulator, request: Request, account_id: str, subscription_id: str
) -> Response:
    with emu.state.lock:
        removed = emu.state.subscriptions.pop(subscription_id, None)
    return empty_response(404 if removed is None else 200)


# --- applications ---

MESSAGING_URL_TAGS = ("MsgCallbackUrl", "InboundCallbackUrl", "OutboundCallbackUrl")
VOICE_URL_TAGS = (
    "CallInitiatedCallbackUrl",
    "CallInitiatedMethod",
    "CallStatusCallbackUrl",
    "CallStatusMethod",
    "CallInitiatedFallbackUrl",
    "CallInitiatedFallbackMethod",
)
SERVICE_TYPES: dict[str, ServiceType] = {
    "Messaging": "Messaging-V2",
    "Messaging-V2": "Messaging-V2",
    "Voice": "Voice-V2",
    "Voice-V2": "Voice-V2",
}


def _credentials(element: Element, tag: str) -> tuple[str, str] | None:
    user = _text(element, f"{tag}/UserId")
    return (user, _text(element, f"{tag}/Password") or "") if user else None


def _application_error(status: int, code: int, description: str) -> Response:
    return numbers_error("ApplicationProvisioningResponse", status, code, description)


def _apply_application_fields(application: Application, body: Element, replace: bool) -> None:
    """PUT replaces every field (``replace``); PATCH changes only the ones given.
    ``CallStatusCallbackUrl`` set to ``remove`` clears it, as Bandwidth's PATCH allows."""
    if replace:
        application.urls = {}
        application.inbound_credentials = application.outbound_credentials = None
        application.callback_credentials = application.fallback_credentials = None
        application.requested_callback_types = []
        application.callback_timeout = None
    name = _text(body, "AppName")
    if name:
        application.name = name
    for tag in (*MESSAGING_URL_TAGS, *VOICE_URL_TAGS, "CallbackUrl"):
        value = _text(body, tag)
        if value is not None:
            if value.lower() == "remove":
                application.urls.pop(tag, None)
            else:
                application.urls[tag] = value
    for attribute, tag in (
        ("inbound_credentials", "InboundCallbackCreds"),
        ("outbound_credentials", "OutboundCallbackCreds"),
        ("callback_credentials", "CallbackCreds"),
        ("fallback_credentials", "CallInitiatedFallbackCreds"),
    ):
        credentials = _credentials(body, tag)
        if credentials is not None:
            setattr(application, attribute, credentials)
    message_credentials = _credentials(body, "MsgCallbackCreds")
    if message_credentials is not None:
        application.inbound_credentials = application.inbound_credentials or message_credentials
        application.outbound_credentials = application.outbound_credentials or message_credentials
    types = [(el.text or "").strip() for el in body.iterfind("RequestedCallbackTypes/CallbackType")]
    if types:
        application.requested_callback_types = [t for t in types if t]
    timeout = _text(body, "CallbackTimeout")
    if timeout and timeout.replace(".", "", 1).isdigit():
        application.callback_timeout = float(timeout)


def _application_element(parent: Element, application: Application) -> None:
    """Echo an application; passwords are never included."""
    element = _el(parent, "Application")
    _el(element, "ApplicationId", application.id)
    _el(element, "ServiceType", application.service_type)
    _el(element, "AppName", application.name)
    urls = application.urls
    if application.service_type == "Messaging-V2":
        for tag in ("InboundCallbackUrl", "OutboundCallbackUrl"):
            if tag in urls:
                _el(element, tag, urls[tag])
        if "MsgCallbackUrl" in urls:
            _el(element, "MsgCallbackUrl", urls["MsgCallbackUrl"])
        for tag, credentials in (
            ("InboundCallbackCreds", application.inbound_credentials),
            ("OutboundCallbackCreds", application.outbound_credentials),
        ):
            if credentials:
                _el(_el(element, tag), "UserId", credentials[0])
        if application.requested_callback_types:
            types = _el(element, "RequestedCallbackTypes")
            for kind in application.requested_callback_types:
                _el(types, "CallbackType", kind)
        return
    for tag in VOICE_URL_TAGS[:4]:
        if tag in urls:
            _el(element, tag, urls[tag])
    if application.callback_credentials:
        _el(_el(element, "CallbackCreds"), "UserId", application.callback_credentials[0])
    for tag in VOICE_URL_TAGS[4:]:
        if tag in urls:
            _el(element, tag, urls[tag])
    if application.fallback_credentials:
        fallback = _el(element, "CallInitiatedFallbackCreds")
        _el(fallback, "UserId", application.fallback_credentials[0])
    if application.callback_timeout is not None:
        _el(element, "CallbackTimeout", f"{application.callback_timeout:g}")


def _application_response(application: Application, status: int = 200) -> Response:
    root = Element("ApplicationProvisioningResponse")
    _application_element(root, application)
    return _render(root, status)


def _validate_application(application: Application) -> Response | None:
    if not application.name:
        return _application_error(400, 12000, "AppName is required")
    if application.service_type == "Messaging-V2":
        if not application.inbound_callback_url:
            return _application_error(400, 12001, "InboundCallbackUrl is required")
    elif not application.call_initiated_url:
        return _application_error(400, 12001, "CallInitiatedCallbackUrl is required")
    for tag, url in application.urls.items():
        if tag.endswith("Url") and not url.startswith(("http://", "https://")):
            return _application_error(400, 12002, f"{tag} must be an http(s) URL")
    return None


@routes.route(ACCOUNT + "/applications", methods=["POST"])
def create_application(emu: Emulator, request: Request, account_id: str) -> Response:
    body = _parse(request)
    if body is None or body.tag != "Application":
        return _malformed("ApplicationProvisioningResponse")
    service_type = SERVICE_TYPES.get(_text(body, "ServiceType") or "")
    if service_type is None:
        return _application_error(400, 12003, "ServiceType must be Messaging-V2 or Voice-V2")
    application = Application(id=emu.state.new_uuid(), service_type=service_type, name="")
    _apply_application_fields(application, body, replace=True)
    invalid = _validate_application(application)
    if invalid is not None:
        return invalid
    emu.state.add_application(application)
    response = _application_response(application, 201)
    response.headers["Location"] = _location(emu, f"/applications/{application.id}")
    return response


@routes.route(ACCOUNT + "/applications", methods=["GET"])
def list_applications(emu: Emulator, request: Request, account_id: str) -> Response:
    root = Element("ApplicationProvisioningResponse")
    listing = _el(root, "ApplicationList")
    with emu.state.lock:
        for application in emu.state.applications.values():
            _application_element(listing, application)
    return _render(root)


@routes.route(ACCOUNT + "/applications/<application_id>", methods=["GET"])
def get_application(
    emu: Emulator, request: Request, account_id: str, application_id: str
) -> Response:
    with emu.state.lock:
        application = emu.state.applications.get(application_id)
        if application is None:
            return _application_error(404, 12004, f"Application {application_id} not found")
        return _application_response(application)


@routes.route(ACCOUNT + "/applications/<application_id>", methods=["PUT", "PATCH"])
def update_application(
    emu: Emulator, request: Request, account_id: str, application_id: str
) -> Response:
    body = _parse(request)
    if body is None or body.tag != "Application":
        return _malformed("ApplicationProvisioningResponse")
    with emu.state.lock:
        application = emu.state.applications.get(application_id)
        if application is None:
            return _application_error(404, 12004, f"Application {application_id} not found")
        given_type = _text(body, "ServiceType")
        if given_type and SERVICE_TYPES.get(given_type) != application.service_type:
            return _application_error(400, 12005, "ServiceType cannot be changed")
        updated = Application(
            id=application.id,
            service_type=application.service_type,
            name=application.name,
            urls=dict(application.urls),
            inbound_credentials=application.inbound_credentials,
            outbound_credentials=application.outbound_credentials,
            callback_credentials=application.callback_credentials,
            fallback_credentials=application.fallback_credentials,
            requested_callback_types=list(application.requested_callback_types),
            callback_timeout=application.callback_timeout,
        )
        if request.method == "PUT":
            updated.name = ""
        _apply_application_fields(updated, body, replace=request.method == "PUT")
        invalid = _validate_application(updated)
        if invalid is not None:
            return invalid
        emu.state.applications[application.id] = updated
        return _application_response(updated)


@routes.route(ACCOUNT + "/applications/<application_id>", methods=["DELETE"])
def delete_application(
    emu: Emulator, request: Request, account_id: str, application_id: str
) -> Response:
    with emu.state.lock:
        if application_id not in emu.state.applications:
            return _application_error(404, 12004, f"Application {application_id} not found")
        if _peers_using(emu, application_id):
            return _application_error(
                400, 12006, "The application is assigned to a location and cannot be removed"
            )
        del emu.state.applications[application_id]
    return empty_response(200)


def _peers_using(emu: Emulator, application_id: str) -> list[SipPeer]:
    return [
        p
        for p in emu.state.sip_peers.values()
        if application_id in (p.messaging_application_id, p.voice_application_id)
    ]


@routes.route(ACCOUNT + "/applications/<application_id>/associatedsippeers", methods=["GET"])
def associated_sip_peers(
    emu: Emulator, request: Request, account_id: str, application_id: str
) -> Response:
    with emu.state.lock:
        if application_id not in emu.state.applications:
            return _application_error(404, 12004, f"Application {application_id} not found")
        root = Element("AssociatedSipPeersResponse")
        listing = _el(root, "AssociatedSipPeers")
        for peer in _peers_using(emu, application_id):
            item = _el(listing, "AssociatedSipPeer")
            _el(item, "SiteId", peer.site_id)
            _el(item, "SiteName", emu.state.sites[peer.site_id].name)
            _el(item, "PeerId", peer.id)
            _el(item, "PeerName", peer.name)
    return _render(root)


# --- sites and sip peers ---


def _site_element(parent: Element, site_id: str, emu: Emulator) -> None:
    site = emu.state.sites[site_id]
    element = _el(parent, "Site")
    _el(element, "Id", site.id)
    _el(element, "Name", site.name)
    if site.description:
        _el(element, "Description", site.description)
    if site.address:
        address = _el(element, "Address")
        for tag, value in site.address.items():
            _el(address, tag, value)


@routes.route(ACCOUNT + "/sites", methods=["POST"])
def create_site(emu: Emulator, request: Request, account_id: str) -> Response:
    body = _parse(request)
    if body is None or body.tag != "Site":
        return _malformed("SiteResponse")
    name = _text(body, "Name")
    if not name or len(name) > 10:
        return _response_status("SiteResponse", 400, 12000, "Site Name must be 1 to 10 characters")
    site = emu.state.add_site(name, _text(body, "Description") or "")
    address = body.find("Address")
    if address is not None:
        site.address = {child.tag: (child.text or "").strip() for child in address}
        site.address.setdefault("AddressType", "Service")
    root = Element("SiteResponse")
    with emu.state.lock:
        _site_element(root, site.id, emu)
    return _render(root, 201, {"Location": _location(emu, f"/sites/{site.id}")})


@routes.route(ACCOUNT + "/sites", methods=["GET"])
def list_sites(emu: Emulator, request: Request, account_id: str) -> Response:
    root = Element("SitesResponse")
    listing = _el(root, "Sites")
    with emu.state.lock:
        for site_id in emu.state.sites:
            _site_element(listing, site_id, emu)
    return _render(root)


@routes.route(ACCOUNT + "/sites/<site_id>", methods=["GET"])
def get_site(emu: Emulator, request: Request, account_id: str, site_id: str) -> Response:
    with emu.state.lock:
        if site_id not in emu.state.sites:
            return empty_response(404)
        root = Element("SiteResponse")
        _site_element(root, site_id, emu)
    return _render(root)


def _peer_or_404(emu: Emulator, site_id: str, peer_id: str) -> SipPeer | None:
    peer = emu.state.sip_peers.get(peer_id)
    return peer if peer is not None and peer.site_id == site_id else None


def _sip_peer_element(parent: Element, peer: SipPeer) -> None:
    element = _el(parent, "SipPeer")
    _el(element, "PeerId", peer.id)
    _el(element, "PeerName", peer.name)
    _el(element, "IsDefaultPeer", str(peer.is_default).lower())


@routes.route(ACCOUNT + "/sites/<site_id>/sippeers", methods=["POST"])
def create_sip_peer(emu: Emulator, request: Request, account_id: str, site_id: str) -> Response:
    body = _parse(request)
    if body is None or body.tag != "SipPeer":
        return _malformed("SipPeerResponse")
    if site_id not in emu.state.sites:
        return empty_response(404)
    name = _text(body, "PeerName")
    if not name:
        return _response_status("SipPeerResponse", 400, 13500, "PeerName is required")
    peer = emu.state.add_sip_peer(site_id, name, _flag(body, "IsDefaultPeer", False))
    return empty_response(201, {"Location": _location(emu, f"/sites/{site_id}/sippeers/{peer.id}")})


@routes.route(ACCOUNT + "/sites/<site_id>/sippeers", methods=["GET"])
def list_sip_peers(emu: Emulator, request: Request, account_id: str, site_id: str) -> Response:
    with emu.state.lock:
        if site_id not in emu.state.sites:
            return empty_response(404)
        root = Element("TNSipPeersResponse")
        listing = _el(root, "SipPeers")
        for peer in emu.state.sip_peers.values():
            if peer.site_id == site_id:
                _sip_peer_element(listing, peer)
    return _render(root)


@routes.route(PEER, methods=["GET"])
def get_sip_peer(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None:
            return empty_response(404)
        root = Element("SipPeerResponse")
        _sip_peer_element(root, peer)
    return _render(root)


@routes.route(PEER + "/tns", methods=["GET"])
def sip_peer_numbers(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    with emu.state.lock:
        if _peer_or_404(emu, site_id, peer_id) is None:
            return empty_response(404)
        numbers = [n.e164 for n in emu.state.in_service.values() if n.peer_id == peer_id]
    root = Element("SipPeerTelephoneNumbersResponse")
    listing = _el(root, "SipPeerTelephoneNumbers")
    for number in sorted(numbers):
        _el(_el(listing, "SipPeerTelephoneNumber"), "FullNumber", ten_digits(number))
    return _render(root)


# --- messaging and voice products on a location ---


@routes.route(PEER + "/products/messaging/features/sms", methods=["POST", "PUT"])
def enable_sms(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    body = _parse(request)
    if body is None or body.tag != "SipPeerSmsFeature":
        return _malformed("SipPeerSmsFeatureResponse")
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None:
            return empty_response(404)
        peer.sms_enabled = True
    root = Element("SipPeerSmsFeatureResponse")
    root.append(body)
    return _render(root, 201 if request.method == "POST" else 200)


@routes.route(PEER + "/products/messaging/features/sms", methods=["GET"])
def get_sms(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None or not peer.sms_enabled:
            return empty_response(404)
    root = Element("SipPeerSmsFeatureResponse")
    settings = _el(_el(root, "SipPeerSmsFeature"), "SipPeerSmsFeatureSettings")
    _el(settings, "TollFree", "true")
    _el(settings, "ShortCode", "true")
    _el(settings, "Protocol", "HTTP")
    return _render(root)


@routes.route(PEER + "/products/messaging/features/sms", methods=["DELETE"])
def disable_sms(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None or not peer.sms_enabled:
            return empty_response(404)
        if peer.mms_enabled:
            return _response_status(
                "SipPeerSmsFeatureResponse",
                400,
                13674,
                "SMS feature can't be removed because MMS feature is present, remove it first.",
            )
        peer.sms_enabled = False
    return empty_response(200)


@routes.route(PEER + "/products/messaging/features/mms", methods=["POST", "PUT"])
def enable_mms(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    body = _parse(request)
    if body is None or body.tag != "MmsFeature":
        return _malformed("MmsFeatureResponse")
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None:
            return empty_response(404)
        if not peer.sms_enabled:
            return _response_status(
                "MmsFeatureResponse",
                400,
                13675,
                "MMS feature cannot be enabled before the SMS feature on this SIP peer.",
            )
        peer.mms_enabled = True
    root = Element("MmsFeatureResponse")
    root.append(body)
    return _render(root, 201 if request.method == "POST" else 200)


@routes.route(PEER + "/products/messaging/features/mms", methods=["DELETE"])
def disable_mms(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None or not peer.mms_enabled:
            return empty_response(404)
        peer.mms_enabled = False
    return empty_response(200)


def _messaging_settings_response(peer: SipPeer) -> Response:
    root = Element("ApplicationsSettingsResponse")
    settings = _el(root, "ApplicationsSettings")
    if peer.messaging_application_id:
        _el(settings, "HttpMessagingV2AppId", peer.messaging_application_id)
    return _render(root)


@routes.route(PEER + "/products/messaging/applicationSettings", methods=["PUT"])
def put_messaging_application(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    body = _parse(request)
    root_tag = "ApplicationsSettingsResponse"
    if body is None or body.tag != "ApplicationsSettings":
        return _malformed(root_tag)
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None:
            return empty_response(404)
        if (body.text or "").strip().upper() == "REMOVE":
            peer.messaging_application_id = None
            return _messaging_settings_response(peer)
        application_id = _text(body, "HttpMessagingV2AppId")
        application = emu.state.applications.get(application_id or "")
        if application is None or application.service_type != "Messaging-V2":
            return _response_status(root_tag, 400, 12007, "HttpMessagingV2AppId is not valid")
        if not peer.sms_enabled:
            return _response_status(
                root_tag, 400, 12008, "The SMS feature must be enabled on the SIP peer first"
            )
        peer.messaging_application_id = application.id
        return _messaging_settings_response(peer)


@routes.route(PEER + "/products/messaging/applicationSettings", methods=["GET"])
def get_messaging_application(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None:
            return empty_response(404)
        return _messaging_settings_response(peer)


def _origination_response(peer: SipPeer, status: int) -> Response:
    root = Element("SipPeerOriginationSettingsResponse")
    settings = _el(root, "SipPeerOriginationSettings")
    if peer.voice_application_id:
        _el(settings, "VoiceProtocol", "HTTP")
        _el(_el(settings, "HttpSettings"), "HttpVoiceV2AppId", peer.voice_application_id)
    else:
        _el(settings, "VoiceProtocol", "SIP")
    return _render(root, status)


@routes.route(PEER + "/products/origination/settings", methods=["POST", "PUT"])
def put_origination_settings(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    body = _parse(request)
    root_tag = "SipPeerOriginationSettingsResponse"
    if body is None or body.tag != "SipPeerOriginationSettings":
        return _malformed(root_tag)
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None:
            return empty_response(404)
        protocol = (_text(body, "VoiceProtocol") or "").upper()
        if protocol == "SIP":
            peer.voice_application_id = None
        elif protocol == "HTTP":
            application_id = _text(body, "HttpSettings/HttpVoiceV2AppId")
            application = emu.state.applications.get(application_id or "")
            if application is None or application.service_type != "Voice-V2":
                return _response_status(root_tag, 400, 12009, "HttpVoiceV2AppId is not valid")
            peer.voice_application_id = application.id
        else:
            return _response_status(root_tag, 400, 12010, "VoiceProtocol must be HTTP or SIP")
        return _origination_response(peer, 201 if request.method == "POST" else 200)


@routes.route(PEER + "/products/origination/settings", methods=["GET"])
def get_origination_settings(
    emu: Emulator, request: Request, account_id: str, site_id: str, peer_id: str
) -> Response:
    with emu.state.lock:
        peer = _peer_or_404(emu, site_id, peer_id)
        if peer is None:
            return empty_response(404)
        return _origination_response(peer, 200)


# --- in-service numbers ---


def _page_link(emu: Emulator, page: int, size: int, rel: str) -> str:
    url = _location(emu, "/inserviceNumbers")
    return f'Link=<{url}?page={page}&size={size}>;rel="{rel}";'


@routes.route(ACCOUNT + "/inserviceNumbers", methods=["GET"])
def in_service_numbers(emu: Emulator, request: Request, account_id: str) -> Response:
    area_code = request.args.get("areacode")
    state_code = request.args.get("state")
    with emu.state.lock:
        numbers = sorted(ten_digits(n) for n in emu.state.in_service)
    if area_code:
        numbers = [n for n in numbers if n.startswith(area_code)]
    if state_code:
        numbers = [
            n for n in numbers if (p := inventory.locality(n)) and p.state == state_code.upper()
        ]
    page_text, size_text = request.args.get("page", "1"), request.args.get("size", "500")
    if not page_text.isdigit() or not size_text.isdigit() or int(size_text) < 1:
        return empty_response(400)
    size = int(size_text)
    start = (max(1, int(page_text)) - 1) * size
    page = numbers[start : start + size]
    root = Element("TNs")
    _el(root, "TotalCount", len(numbers))
    links = _el(root, "Links")
    _el(links, "first", _page_link(emu, 1, size, "first"))
    if start + size < len(numbers):
        _el(links, "next", _page_link(emu, int(page_text) + 1, size, "next"))
    listing = _el(root, "TelephoneNumbers")
    _el(listing, "Count", len(page))
    for number in page:
        _el(listing, "TelephoneNumber", number)
    return _render(root)


@routes.route(ACCOUNT + "/inserviceNumbers/<tn>", methods=["GET"])
def in_service_number(emu: Emulator, request: Request, account_id: str, tn: str) -> Response:
    found = emu.state.number_in_service(e164(tn)) is not None
    return empty_response(200 if found else 404)
