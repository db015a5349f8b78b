"""Searching Bandwidth's inventory: the criteria, and the offers a tenant may buy."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass

from django.core.cache import cache

from bandwidth.errors import BandwidthError, RateLimitedError, TransientError
from bandwidth.errors import ValidationError as BandwidthValidationError
from carrier import selectors as carrier_selectors
from carrier.clients import client_for_tenant
from carrier.models import Provisioning
from core import phones
from tenants.errors import Conflict, ParleyError
from tenants.models import Tenant

from ..models import PhoneNumber

logger = logging.getLogger(__name__)

MAX_SEARCH_RESULTS = 50
OFFER_TTL = 3600
_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"
)
US_STATES = frozenset(_STATE_CODES.split(" "))
_AREA_CODE = re.compile(r"^[2-9]\d{2}$")
_ZIP = re.compile(r"^\d{5}$")
_TOLL_FREE = re.compile(r"^8[0-9*]{2}$")


@dataclass(frozen=True)
class Offer:
    number: str
    kind: str
    city: str
    state: str
    rate_center: str

    @property
    def display(self) -> str:
        return phones.format_number(self.number)


def _offer_key(tenant: Tenant, number: str) -> str:
    return f"parley:offer:{tenant.id}:{number}"


def _require_ready(tenant: Tenant) -> Provisioning:
    provisioning = carrier_selectors.provisioning_for(tenant=tenant)
    if provisioning is None or provisioning.status != Provisioning.Status.READY:
        state = provisioning.get_status_display().lower() if provisioning else "not started"
        raise Conflict(
            f"Phone numbers are not available yet: setting up the account on Bandwidth is {state}.",
            code="not_provisioned",
        )
    return provisioning


def _search_criteria(
    area_code: str, city: str, state: str, zip_code: str, toll_free: str
) -> dict[str, str]:
    area_code, city, zip_code, toll_free = (
        area_code.strip(),
        city.strip(),
        zip_code.strip(),
        toll_free.strip(),
    )
    state = state.strip().upper()
    given = [name for name, value in (("area_code", area_code), ("zip", zip_code)) if value]
    if city or state:
        given.append("city")
    if toll_free:
        given.append("toll_free")
    if not given:
        raise ParleyError(
            "Search by area code, city and state, ZIP code, or toll-free pattern.",
            field="area_code",
        )
    if len(given) > 1:
        raise ParleyError(
            "Search by one of area code, city and state, ZIP code, or toll-free pattern.",
            field=given[1],
        )
    if area_code and not _AREA_CODE.match(area_code):
        raise ParleyError(
            f"{area_code!r} is not an area code (three digits, not starting with 0 or 1).",
            field="area_code",
        )
    if zip_code and not _ZIP.match(zip_code):
        raise ParleyError(f"{zip_code!r} is not a five-digit ZIP code.", field="zip")
    if city or state:
        if not city:
            raise ParleyError("Give a city with the state.", field="city")
        if not state:
            raise ParleyError("Give the state with the city.", field="state")
        if state not in US_STATES:
            raise ParleyError(f"{state!r} is not a US state code (like NC).", field="state")
        if len(city) > 60 or not re.fullmatch(r"[A-Za-z .'-]+", city):
            raise ParleyError(f"{city!r} is not a city name.", field="city")
    if toll_free and not _TOLL_FREE.match(toll_free):
        raise ParleyError(
            f"{toll_free!r} is not a toll-free pattern (like 8** or 833).", field="toll_free"
        )
    return {
        "area_code": area_code,
        "city": city,
        "state": state,
        "zip_code": zip_code,
        "toll_free_pattern": toll_free,
    }


def _bandwidth_refusal(error: BandwidthError, field: str | None = None) -> ParleyError:
    detail = error.errors[0] if error.errors else None
    code = detail.code if detail else error.code
    text = detail.description if detail else error.description
    if isinstance(error, TransientError | RateLimitedError):
        unavailable = ParleyError(
            "Bandwidth is not answering right now; nothing was bought. Try again in a minute.",
            code="bandwidth_unavailable",
        )
        unavailable.status = 503
        return unavailable
    refusal = ParleyError(
        f"Bandwidth refused: {text}" + (f" (error {code})" if code else ""),
        field=field,
        code="bandwidth_refused",
    )
    refusal.status = 409 if str(code) in ("5005", "5076") else 400
    return refusal


def number_search(
    *,
    tenant: Tenant,
    area_code: str = "",
    city: str = "",
    state: str = "",
    zip_code: str = "",
    toll_free: str = "",
    quantity: int = 10,
) -> list[Offer]:
    """Numbers Bandwidth offers, minus any number a tenant holds; remembered as offers to buy."""
    if not 1 <= quantity <= MAX_SEARCH_RESULTS:
        raise ParleyError(
            f"Ask for 1 to {MAX_SEARCH_RESULTS} numbers (not {quantity}).", field="quantity"
        )
    criteria = _search_criteria(area_code, city, state, zip_code, toll_free)
    _require_ready(tenant)
    client = client_for_tenant(tenant)
    try:
        found = client.numbers.search_available_numbers(quantity=quantity, **criteria)
    except BandwidthValidationError as error:
        field = next((k for k, v in criteria.items() if v), None)
        raise _bandwidth_refusal(error, "zip" if field == "zip_code" else field) from error
    except BandwidthError as error:
        raise _bandwidth_refusal(error) from error
    held = set(
        PhoneNumber.objects.filter(
            number__in=[n.e164 for n in found], status__in=PhoneNumber.HELD_STATUSES
        ).values_list("number", flat=True)
    )
    kind = PhoneNumber.Kind.TOLL_FREE if criteria["toll_free_pattern"] else PhoneNumber.Kind.LOCAL
    offers = [
        Offer(
            number=n.e164,
            kind=kind,
            city=(n.city or "").title(),
            state=n.state or "",
            rate_center=n.rate_center or "",
        )
        for n in found
        if n.e164 not in held
    ]
    cache.set_many({_offer_key(tenant, o.number): asdict(o) for o in offers}, OFFER_TTL)
    return offers
