"""Disconnect orders: taking numbers out of service after a delay, their status and lists."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import empty_response, utc_now_iso
from bandwidth.emulator.numbers.common import (
    ACCOUNT,
    CUSTOMER_ORDER_ID,
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
from bandwidth.emulator.numbers.orders import _error_list, _final_status, _list_orders
from bandwidth.emulator.numbers.subscriptions import _notify
from bandwidth.emulator.state import Order

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

NOT_ON_ACCOUNT = (5006, "Telephone number is not in service on this account.")


def schedule_disconnect_completion(emu: Emulator, order: Order) -> None:
    emu.scheduler.call_later(
        emu.config.disconnect_complete_delay, partial(_complete_disconnect, emu, order)
    )


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
            state.campaign_of_number.pop(number, None)  # a released number leaves its campaign
            state.toll_free.pop(number, None)
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
