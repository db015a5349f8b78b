"""New number orders: validation, completion after a delay, order status and lists."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, tostring

from defusedxml import ElementTree as SafeElementTree
from werkzeug.wrappers import Request, Response

from bandwidth.emulator import inventory
from bandwidth.emulator.http import empty_response, utc_now_iso
from bandwidth.emulator.numbers.common import (
    ACCOUNT,
    CUSTOMER_ORDER_ID,
    TEN_DIGITS,
    _el,
    _flag,
    _location,
    _malformed,
    _parse,
    _render,
    _text,
    e164,
    routes,
    ten_digits,
)
from bandwidth.emulator.numbers.search import (
    MAX_QUANTITY,
    SearchCriteria,
    SearchError,
    find_available,
)
from bandwidth.emulator.numbers.subscriptions import _notify
from bandwidth.emulator.state import Order

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

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
