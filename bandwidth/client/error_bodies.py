"""Turn an error response from any Bandwidth API into the matching typed error."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
import requests
from defusedxml import DefusedXmlException

from bandwidth.errors import (
    AuthenticationError,
    BandwidthError,
    ConflictError,
    ErrorDetail,
    FieldError,
    ForbiddenError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    TransientError,
    ValidationError,
)


@dataclass(frozen=True)
class ErrorBody:
    code: str | None
    description: str
    field_errors: tuple[FieldError, ...] = ()
    errors: tuple[ErrorDetail, ...] = ()


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait, from a Retry-After header holding delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def error_from_response(response: requests.Response) -> BandwidthError:
    status = response.status_code
    raw_body = response.text
    body = parse_error_body(raw_body, response.headers.get("Content-Type", ""))
    description = body.description or response.reason or f"HTTP {status}"
    common: dict[str, Any] = {
        "status": status,
        "code": body.code,
        "raw_body": raw_body,
        "errors": body.errors,
    }
    if status == 400 or status == 422:
        return ValidationError(description, field_errors=body.field_errors, **common)
    if status == 401:
        return AuthenticationError(description, **common)
    if status == 403:
        return ForbiddenError(description, **common)
    if status == 404:
        return NotFoundError(description, **common)
    if status == 409:
        return ConflictError(description, **common)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimitedError(description, retry_after=retry_after, **common)
    if status >= 500:
        return TransientError(description, ambiguous=False, **common)
    return PermanentError(description, **common)


def parse_error_body(raw_body: str, content_type: str) -> ErrorBody:
    text = raw_body.strip()
    if not text:
        return ErrorBody(code=None, description="")
    if text.startswith("<"):
        return _parse_xml_error(text)
    if text.startswith("{") or "json" in content_type:
        return _parse_json_error(text)
    return ErrorBody(code=None, description=text[:500])


def _parse_json_error(text: str) -> ErrorBody:
    try:
        data = json.loads(text)
    except ValueError:
        return ErrorBody(code=None, description=text[:500])
    if not isinstance(data, dict):
        return ErrorBody(code=None, description=text[:500])
    code = data.get("type") or data.get("error")
    description = data.get("description") or data.get("message") or ""
    field_errors = tuple(
        FieldError(
            field=str(item.get("fieldName", "")), description=str(item.get("description", ""))
        )
        for item in data.get("fieldErrors") or []
        if isinstance(item, dict)
    )
    return ErrorBody(
        code=str(code) if code is not None else None,
        description=str(description),
        field_errors=field_errors,
    )


def _parse_xml_error(text: str) -> ErrorBody:
    try:
        root = SafeET.fromstring(text)
    except (ParseError, DefusedXmlException):
        return ErrorBody(code=None, description="unreadable XML error body")
    errors = xml_error_details(root)
    if not errors:
        return ErrorBody(code=None, description="")
    first = errors[0]
    return ErrorBody(code=first.code, description=first.description, errors=errors)


def xml_error_details(root: Element) -> tuple[ErrorDetail, ...]:
    """Coded errors of a Numbers API body: <ErrorList><Error>, <Error>, <Errors> or
    <ResponseStatus>."""
    details: list[ErrorDetail] = []
    for error in root.iter("Error"):
        number = (error.findtext("TelephoneNumber") or "").strip()
        details.append(
            ErrorDetail(
                code=(error.findtext("Code") or "").strip(),
                description=(error.findtext("Description") or "").strip(),
                telephone_number=_as_e164(number) if number else None,
            )
        )
    for lnp_error in root.iter("Errors"):  # port-in (LNP) answers list <Errors> without a wrapper
        code = (lnp_error.findtext("Code") or "").strip()
        if code:
            details.append(
                ErrorDetail(
                    code=code, description=(lnp_error.findtext("Description") or "").strip()
                )
            )
    for status in root.iter("ResponseStatus"):
        code = (status.findtext("ErrorCode") or "").strip()
        if code:
            details.append(
                ErrorDetail(code=code, description=(status.findtext("Description") or "").strip())
            )
    return tuple(details)


def _as_e164(number: str) -> str:
    digits = number.removeprefix("+")
    if len(digits) == 10:
        return f"+1{digits}"
    return f"+{digits}"
