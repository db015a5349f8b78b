"""Available numbers: the search criteria, the emulator's inventory, ``/availableNumbers``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from werkzeug.wrappers import Request, Response

from bandwidth.emulator import inventory
from bandwidth.emulator.http import numbers_error
from bandwidth.emulator.numbers.common import ACCOUNT, _el, _render, e164, routes

if TYPE_CHECKING:
    from bandwidth.emulator.app import Emulator

MAX_QUANTITY = 5000


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
