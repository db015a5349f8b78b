"""The business profile."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction

from core import phones
from core.errors import ParleyError
from tenants.models import Tenant

from ..models import (
    BusinessProfile,
)
from .common import (
    PROFILE_FIELDS,
    VERTICALS,
)
from .status import _refresh_statuses

# --- the business profile ---


def _check_profile(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ParleyError(f"Unknown field {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name == "allow_unregistered_10dlc":
            if not isinstance(value, bool):
                raise ParleyError("Give true or false.", field=name)
            cleaned[name] = value
            continue
        if not isinstance(value, str):
            raise ParleyError("Give text.", field=name)
        limit = getattr(BusinessProfile._meta.get_field(name), "max_length", None)
        if limit is not None and len(value.strip()) > limit:
            raise ParleyError(f"At most {limit} characters.", field=name)
        if "\x00" in value:
            raise ParleyError("The text holds a NUL character.", field=name)
        cleaned[name] = value.strip()
    entity = cleaned.get("entity_type")
    if entity and entity not in BusinessProfile.EntityType.values:
        raise ParleyError(
            f"Choose one of {', '.join(BusinessProfile.EntityType.values)}.", field="entity_type"
        )
    number = cleaned.get("registration_number")
    if number and cleaned.get("registration_type", "EIN") == "EIN":
        digits = re.sub(r"\D", "", number)
        if len(digits) != 9:
            raise ParleyError("An EIN has 9 digits, like 12-3456789.", field="registration_number")
        cleaned["registration_number"] = f"{digits[:2]}-{digits[2:]}"
    website = cleaned.get("website")
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except DjangoValidationError as exc:
            raise ParleyError(
                "The website must be a full URL, like https://example.com.", field="website"
            ) from exc
    email = cleaned.get("contact_email")
    if email:
        try:
            validate_email(email)
        except DjangoValidationError as exc:
            raise ParleyError("Give a valid email address.", field="contact_email") from exc
    phone = cleaned.get("contact_phone")
    if phone:
        cleaned["contact_phone"] = phones.normalize_number(phone, field="contact_phone")
    vertical = cleaned.get("vertical")
    if vertical and vertical not in VERTICALS:
        raise ParleyError(f"Choose one of {', '.join(VERTICALS)}.", field="vertical")
    state = cleaned.get("state")
    if state and not re.fullmatch(r"[A-Z]{2}", state):
        raise ParleyError("Give the two-letter state code, like NC.", field="state")
    postal = cleaned.get("postal_code")
    if postal and not re.fullmatch(r"\d{5}(-\d{4})?", postal):
        raise ParleyError("Give a 5-digit ZIP code.", field="postal_code")
    return cleaned


@transaction.atomic
def profile_update(*, tenant: Tenant, **values: Any) -> BusinessProfile:
    """Saves the given fields of the tenant's business profile (created on first save)."""
    cleaned = _check_profile(values)
    profile = BusinessProfile.objects.for_tenant(
        tenant
    ).select_for_update().first() or BusinessProfile(tenant=tenant)
    for name, value in cleaned.items():
        setattr(profile, name, value)
    profile.save()
    if "allow_unregistered_10dlc" in cleaned:
        _refresh_statuses(tenant)
    return profile
