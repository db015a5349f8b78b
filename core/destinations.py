"""Where a tenant may call or text: the one toll-fraud check every outbound path goes through.

Calls (API, click-to-call, the agent's own phone), route targets (forward, ring group members) and
texts all ask ``destination_check`` before anything is saved or sent. The number's country and type
come from ``phonenumbers``' metadata; the only hand-written rule is NANP's 900 and 976 area codes,
which the metadata does not mark as premium in every case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

from .errors import ParleyError

DEFAULT_COUNTRIES = ("US", "CA")
NANP_PREMIUM_AREA_CODES = frozenset({"900", "976"})
NON_GEOGRAPHIC = "001"

_RISKY_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
    PhoneNumberType.PERSONAL_NUMBER: "a personal (follow-me) number",
}


class DestinationNotAllowed(ParleyError):
    code = "destination_not_allowed"
    status = 403

    def __init__(self, number: str, *, country: str, reason: str, field: str | None) -> None:
        where = f" ({country})" if country else ""
        super().__init__(f"{number}{where} is not allowed: {reason}.", field=field)
        self.number = number
        self.country = country
        self.reason = reason


@dataclass(frozen=True)
class DestinationRules:
    """What one tenant may reach on one channel. Staff widen it in the admin, per tenant."""

    countries: frozenset[str] = frozenset(DEFAULT_COUNTRIES)
    allow_premium: bool = False
    allow_international_networks: bool = False

    @classmethod
    def of(
        cls,
        countries: Iterable[str],
        *,
        allow_premium: bool = False,
        allow_international_networks: bool = False,
    ) -> DestinationRules:
        return cls(
            countries=frozenset(c.upper() for c in countries),
            allow_premium=allow_premium,
            allow_international_networks=allow_international_networks,
        )


def _refusal(parsed: phonenumbers.PhoneNumber, country: str, rules: DestinationRules) -> str | None:
    if country == NON_GEOGRAPHIC:
        if rules.allow_international_networks:
            return None
        return "satellite and international-network numbers (+881, +882, +883) are refused"
    national = str(parsed.national_number)
    if parsed.country_code == 1 and national[:3] in NANP_PREMIUM_AREA_CODES:
        if rules.allow_premium:
            return None
        return f"NANP {national[:3]} numbers are premium-rate"
    if not phonenumbers.is_valid_number(parsed):
        return "it is not a number in service in any numbering plan"
    risky = _RISKY_TYPES.get(phonenumbers.number_type(parsed))
    if risky and not rules.allow_premium:
        return f"it is {risky}"
    if country not in rules.countries:
        allowed = ", ".join(sorted(rules.countries)) or "none"
        return f"{country} is not among this tenant's destination countries ({allowed})"
    return None


def destination_check(number: str, *, rules: DestinationRules, field: str | None = None) -> str:
    """Returns the destination's country (ISO 3166 region) or raises ``DestinationNotAllowed``.

    ``number`` is E.164, as ``core.phones`` produces it.
    """
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        raise DestinationNotAllowed(
            number, country="", reason="it is not a phone number in E.164 form", field=field
        ) from None
    country = phonenumbers.region_code_for_number(parsed) or ""
    reason = _refusal(parsed, country, rules)
    if reason:
        raise DestinationNotAllowed(number, country=country, reason=reason, field=field)
    return country
