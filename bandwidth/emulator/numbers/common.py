"""What the Numbers handlers share: routes, paths, reading and rendering XML, numbers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException
from werkzeug.wrappers import Request, Response

from bandwidth.emulator.http import Routes, numbers_error, xml_response

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

routes = Routes(api="numbers", prefixes=("/api", "/api/v1"))

ACCOUNT = "/accounts/<account_id>"
PEER = ACCOUNT + "/sites/<site_id>/sippeers/<peer_id>"
CUSTOMER_ORDER_ID = re.compile(r"^[A-Za-z0-9 \-]{1,40}$")
TEN_DIGITS = re.compile(r"^[2-9]\d{2}[2-9]\d{6}$")


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
