"""Numbers order and disconnect notifications (XML)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml

from bandwidth.callbacks.readers import CallbackParseError, parse_timestamp


@dataclass(frozen=True, kw_only=True)
class NotificationError:
    code: str | None
    description: str | None
    telephone_number: str | None = None


@dataclass(frozen=True, kw_only=True)
class NumbersNotification:
    """A Numbers (Dashboard) subscription notification: order state change or number event."""

    subscription_id: str
    order_type: str | None
    order_id: str | None
    customer_order_id: str | None
    status: str | None
    message: str | None
    note: str | None
    event_type: str | None
    completed_numbers: tuple[str, ...]
    failed_numbers: tuple[str, ...]
    impacted_numbers: tuple[str, ...]
    errors: tuple[NotificationError, ...]
    last_modified_date: datetime | None


_NUMBER_TAGS = ("TelephoneNumber", "FullNumber")


def parse_numbers_notification(body: bytes | str) -> NumbersNotification:
    """A `<Notification>` POSTed by a Numbers subscription; numbers come back in E.164."""
    root = _parse_notification_xml(body)
    subscription_id = _xml_text(root, "SubscriptionId")
    if not subscription_id:
        raise CallbackParseError("Notification.SubscriptionId is missing")
    last_modified = _xml_text(root, "LastModifiedDate")
    return NumbersNotification(
        subscription_id=subscription_id,
        order_type=_xml_text(root, "OrderType"),
        order_id=_xml_text(root, "OrderId"),
        customer_order_id=_xml_text(root, "CustomerOrderId"),
        status=_xml_text(root, "Status"),
        message=_xml_text(root, "Message"),
        note=_xml_text(root, "Note"),
        event_type=_xml_text(root, "EventType"),
        completed_numbers=_xml_numbers(root, "CompletedTelephoneNumbers"),
        failed_numbers=_xml_numbers(root, "FailedTelephoneNumbers")
        + _xml_numbers(root, "FailedNumbers"),
        impacted_numbers=_xml_numbers(root, "ImpactedTelephoneNumbers"),
        errors=_xml_errors(root),
        last_modified_date=_xml_timestamp(last_modified, "Notification.LastModifiedDate"),
    )


def _parse_notification_xml(body: bytes | str) -> Element:
    try:
        root: Element = parse_xml(body)
    except DefusedXmlException as error:
        raise CallbackParseError(f"body contains forbidden XML ({type(error).__name__})") from None
    except ParseError as error:
        raise CallbackParseError(f"body is not well-formed XML: {error}") from None
    if root.tag != "Notification":
        raise CallbackParseError(f"root element must be <Notification>, got <{root.tag}>")
    return root


def _xml_text(parent: Element, tag: str) -> str | None:
    child = parent.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def _xml_timestamp(text: str | None, where: str) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError:
        raise CallbackParseError(f"{where} is not a timestamp: {text!r}") from None


def _xml_numbers(root: Element, list_tag: str) -> tuple[str, ...]:
    container = root.find(list_tag)
    if container is None:
        return ()
    return tuple(
        _e164(element.text or "", f"Notification.{list_tag}")
        for element in container.iter()
        if element.tag in _NUMBER_TAGS
    )


def _xml_errors(root: Element) -> tuple[NotificationError, ...]:
    errors = []
    for error in root.iter("Error"):
        number = _xml_text(error, "TelephoneNumber")
        errors.append(
            NotificationError(
                code=_xml_text(error, "Code"),
                description=_xml_text(error, "Description"),
                telephone_number=None
                if number is None
                else _e164(number, "Notification.ErrorList.Error.TelephoneNumber"),
            )
        )
    return tuple(errors)


def _e164(text: str, where: str) -> str:
    """Dashboard numbers are 10-digit NANP (`9192286710`); Parley stores E.164."""
    digits = text.strip()
    if re.fullmatch(r"\d{10}", digits):
        return f"+1{digits}"
    if re.fullmatch(r"1\d{10}", digits):
        return f"+{digits}"
    if re.fullmatch(r"\+[1-9]\d{6,14}", digits):
        return digits
    raise CallbackParseError(f"{where} has a value that is not a telephone number: {text!r}")
