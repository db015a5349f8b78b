"""Phone numbers, in one place: what people type to E.164, E.164 to what people read, and the
country of a number. Every app reads numbers through here (on the ``phonenumbers`` library).

National input (``919-555-0123``) is read in a region, normally the tenant's ``default_region``;
input with a country code (``+44 20 7946 0018``) is read as written. A number must be possible in
its country's numbering plan (its length); numbers the plan does not list as assigned, such as
+1 555 test numbers, are accepted. A number that needs an area code it lacks is refused.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, ValidationResult

from .errors import ParleyError

DEFAULT_REGION = "US"
UNKNOWN_REGION = "??"

_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: ("invalid_country_code", "its country code"),
    NumberParseException.NOT_A_NUMBER: ("not_a_number", ""),
    NumberParseException.TOO_SHORT_AFTER_IDD: ("too_short", "it is too short"),
    NumberParseException.TOO_SHORT_NSN: ("too_short", "it is too short"),
    NumberParseException.TOO_LONG: ("too_long", "it is too long"),
}
_POSSIBILITY_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: ("invalid_country_code", "its country code"),
    ValidationResult.TOO_SHORT: ("too_short", "it is too short"),
    ValidationResult.TOO_LONG: ("too_long", "it is too long"),
    ValidationResult.INVALID_LENGTH: ("invalid_length", "it has the wrong number of digits"),
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: ("area_code_missing", "it lacks the area code"),
}


class InvalidPhoneNumber(ParleyError):
    """A phone number Parley cannot use: ``field`` names where it was given, ``reason`` why
    (missing, not_a_number, invalid_country_code, too_short, too_long, invalid_length,
    area_code_missing, extension)."""

    code = "invalid_phone_number"

    def __init__(self, message: str, *, field: str, reason: str) -> None:
        super().__init__(message, field=field)
        self.reason = reason


def is_region(region: str) -> bool:
    """Whether ``region`` is a region code phone numbers are read in (``US``, ``GB``, ...)."""
    return region in phonenumbers.SUPPORTED_REGIONS


def _hint(region: str) -> str:
    example = phonenumbers.example_number(region) if is_region(region) else None
    if example is None:
        return "Write it in E.164 form, like +19195550123."
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    return f"Write it in E.164 form, like {e164}, or as dialled in {region}, like {national}."


def normalize_number(raw: object, *, field: str, region: str = DEFAULT_REGION) -> str:
    """The E.164 form of what a person or a caller gave; national input is read in ``region``.

    Raises InvalidPhoneNumber naming ``field`` and the reason.
    """
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        raise InvalidPhoneNumber("Give a phone number.", field=field, reason="missing")
    try:
        parsed = phonenumbers.parse(text, region if is_region(region) else None)
    except NumberParseException as error:
        reason, why = _PARSE_REASONS.get(error.error_type, ("not_a_number", ""))
        problem = f"check {why}" if reason == "invalid_country_code" else why
        detail = f" ({problem})" if problem else ""
        raise InvalidPhoneNumber(
            f"{text!r} is not a phone number{detail}. {_hint(region)}", field=field, reason=reason
        ) from None
    possible = phonenumbers.is_possible_number_with_reason(parsed)
    if possible != ValidationResult.IS_POSSIBLE:
        reason, why = _POSSIBILITY_REASONS.get(possible, ("invalid_length", "its length"))
        raise InvalidPhoneNumber(
            f"{text!r} is not a valid phone number: {why}. {_hint(region)}",
            field=field,
            reason=reason,
        )
    if parsed.extension:
        raise InvalidPhoneNumber(
            f"{text!r} has an extension, which cannot be dialled; give the number alone.",
            field=field,
            reason="extension",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_e164(value: object) -> bool:
    """Whether ``value`` is already a usable number in E.164 form (``+19195550123``)."""
    if not isinstance(value, str) or not value.startswith("+"):
        return False
    try:
        return normalize_number(value, field="number") == value
    except InvalidPhoneNumber:
        return False


def region_of(number: str) -> str:
    """The region (ISO 3166 code) of an E.164 number: ``US``, ``CA``, ``GB``; for a number the
    plan does not assign, the main region of its country code; ``??`` when there is none."""
    try:
        parsed = phonenumbers.parse(number, None)
    except NumberParseException:
        return UNKNOWN_REGION
    return (
        phonenumbers.region_code_for_number(parsed)
        or phonenumbers.region_code_for_country_code(parsed.country_code or 0)
        or UNKNOWN_REGION
    )


def country_code_of(number: str) -> int | None:
    """The calling code of an E.164 number (1 for the US and Canada), or None if unreadable."""
    try:
        return phonenumbers.parse(number, None).country_code
    except NumberParseException:
        return None


def format_number(number: str, *, region: str = DEFAULT_REGION) -> str:
    """How people read a number: national form when it is in ``region``'s country
    (``(919) 555-0101``), international otherwise (``+44 20 7946 0018``); anything unreadable is
    returned as it was."""
    try:
        parsed = phonenumbers.parse(number, None)
    except NumberParseException:
        return number
    same_country = parsed.country_code == phonenumbers.country_code_for_region(region)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if same_country
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)


def example_national(region: str) -> str:
    """A sample number of ``region`` written as dialled there, for hints next to phone fields."""
    example = phonenumbers.example_number(region) if is_region(region) else None
    if example is None:
        return "+19195550123"
    return str(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL))
