"""Read what the client sent, from the PreparedRequests that `responses` recorded."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
import requests


def body_bytes(request: requests.PreparedRequest) -> bytes:
    body = request.body
    assert body is not None, "the request has no body"
    return body if isinstance(body, bytes) else body.encode()


def body_json(request: requests.PreparedRequest) -> Any:
    return json.loads(body_bytes(request))


def body_xml(request: requests.PreparedRequest) -> Element:
    root: Element = SafeET.fromstring(body_bytes(request))
    return root


def query_params(request: requests.PreparedRequest) -> dict[str, list[str]]:
    return parse_qs(urlsplit(str(request.url)).query)
