"""Numbers on the wire (10 digits) and in Parley (E.164); the records the parsers return."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bandwidth.errors import ErrorDetail

_NANP_E164 = re.compile(r"^\+1(\d{10})$")
_TEN_DIGITS = re.compile(r"^\d{10}$")


def to_wire_number(e164: str) -> str:
    """'+19195551234' -> '9195551234'."""
    match = _NANP_E164.match(e164.strip())
    if match is None:
        raise ValueError(f"not a +1 E.164 number: {e164!r}")
    return match.group(1)


def to_e164(wire_number: str) -> str:
    """'9195551234' -> '+19195551234'; an 11-digit 1NXX… or E.164 value is normalised too."""
    digits = wire_number.strip()
    if _TEN_DIGITS.match(digits):
        return f"+1{digits}"
    if len(digits) == 11 and digits.isdigit() and digits.startswith("1"):
        return f"+{digits}"
    if _NANP_E164.match(digits):
        return digits
    raise ValueError(f"not a North American number: {wire_number!r}")


@dataclass(frozen=True)
class AvailableNumber:
    e164: str
    city: str | None = None
    state: str | None = None
    rate_center: str | None = None
    lata: str | None = None


@dataclass(frozen=True)
class OrderResult:
    order_id: str | None
    customer_order_id: str | None
    status: str | None
    completed_numbers: tuple[str, ...] = ()
    failed_numbers: tuple[str, ...] = ()
    errors: tuple[ErrorDetail, ...] = ()
    site_id: str | None = None
    peer_id: str | None = None
    order_create_date: str | None = None
    last_modified_date: str | None = None
    order_complete_date: str | None = None


@dataclass(frozen=True)
class DisconnectResult:
    order_id: str | None
    customer_order_id: str | None
    status: str | None
    requested_numbers: tuple[str, ...] = ()
    disconnected_numbers: tuple[str, ...] = ()
    errors: tuple[ErrorDetail, ...] = ()
    order_create_date: str | None = None


@dataclass(frozen=True)
class CallbackCredentials:
    user_id: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class Application:
    """A Messaging-V2 or Voice-V2 application as Bandwidth echoes it (passwords never come back)."""

    application_id: str
    service_type: str | None
    name: str | None
    inbound_callback_url: str | None = None
    outbound_callback_url: str | None = None
    inbound_callback_user: str | None = None
    outbound_callback_user: str | None = None
    requested_callback_types: tuple[str, ...] = ()
    call_initiated_callback_url: str | None = None
    call_initiated_method: str | None = None
    call_status_callback_url: str | None = None
    call_status_method: str | None = None
    callback_user: str | None = None
    callback_timeout: int | None = None


@dataclass(frozen=True)
class SiteAddress:
    house_number: str
    street_name: str
    city: str
    state_code: str
    zip_code: str
    country: str = "US"
    address_type: str = "Service"


@dataclass(frozen=True)
class Site:
    site_id: str
    name: str | None


@dataclass(frozen=True)
class SmsFeature:
    protocol: str | None
    toll_free: bool | None
    short_code: bool | None
    zones: tuple[int, ...]


@dataclass(frozen=True)
class MmsFeature:
    protocol: str | None


@dataclass(frozen=True)
class OriginationSettings:
    voice_protocol: str | None
    voice_application_id: str | None


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    order_type: str | None
    event_type: str | None
    url: str | None
    expiry: int | None
    username: str | None
    email: str | None
