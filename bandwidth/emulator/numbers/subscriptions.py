"""Subscriptions to order notifications, and the notifications sent when an order ends."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, tostring

from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import XML_DECLARATION, empty_response, numbers_error
from bandwidth.emulator.numbers.common import (
    ACCOUNT,
    _el,
    _location,
    _malformed,
    _parse,
    _render,
    _text,
    routes,
    ten_digits,
)
from bandwidth.emulator.state import Order, Subscription

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator


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
