"""The toll-fraud rules on their own; every outbound path's use of them is tested with that path."""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumbers import PhoneNumberType

from core.destinations import DestinationNotAllowed, DestinationRules, destination_check

US_CA = DestinationRules()


def _example(region: str, kind: int) -> str:
    example = phonenumbers.example_number_for_type(region, kind)
    assert example is not None
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


@pytest.mark.parametrize(
    ("number", "country", "reason"),
    [
        ("+19005551234", "US", "NANP 900"),
        ("+19765551234", "", "NANP 976"),
        ("+18765551234", "JM", "JM is not among"),
        ("+882123456789", "001", "international-network"),
        ("+8816123456789", "001", "satellite"),
        ("+5351234567", "CU", "CU is not among"),
        ("+2471234", "AC", "not a number in service"),
        ("not-a-number", "", "E.164"),
    ],
)
def test_refused_by_default(number: str, country: str, reason: str) -> None:
    with pytest.raises(DestinationNotAllowed) as refused:
        destination_check(number, rules=US_CA, field="to")
    assert refused.value.country == country
    assert reason in refused.value.reason
    assert refused.value.code == "destination_not_allowed" and refused.value.status == 403
    assert refused.value.field == "to"


@pytest.mark.parametrize("number", ["+19195550123", "+14165550123", "+18005550123"])
def test_us_and_canada_are_allowed_by_default(number: str) -> None:
    assert destination_check(number, rules=US_CA) in {"US", "CA"}


@pytest.mark.parametrize(
    ("region", "kind"),
    [
        ("GB", PhoneNumberType.PREMIUM_RATE),
        ("FR", PhoneNumberType.SHARED_COST),
        ("GB", PhoneNumberType.PERSONAL_NUMBER),
    ],
)
def test_risky_types_are_refused_even_in_an_allowed_country(region: str, kind: int) -> None:
    number = _example(region, kind)
    with pytest.raises(DestinationNotAllowed) as refused:
        destination_check(number, rules=DestinationRules.of(["US", region]))
    assert refused.value.country == region
    assert refused.value.reason.startswith("it is a")


def test_staff_can_allow_a_country_and_the_risky_ranges() -> None:
    caribbean = DestinationRules.of(["us", "ca", "jm"])
    assert destination_check("+18765551234", rules=caribbean) == "JM"
    premium = DestinationRules.of(["US"], allow_premium=True)
    assert destination_check("+19005551234", rules=premium) == "US"
    satellite = DestinationRules.of(["US"], allow_international_networks=True)
    assert destination_check("+882123456789", rules=satellite) == "001"


def test_the_message_names_the_number_country_and_reason() -> None:
    with pytest.raises(DestinationNotAllowed) as refused:
        destination_check("+5351234567", rules=US_CA)
    assert refused.value.message == (
        "+5351234567 (CU) is not allowed: CU is not among this tenant's destination countries "
        "(CA, US)."
    )
