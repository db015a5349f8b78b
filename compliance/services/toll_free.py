"""Toll-free verifications."""

from __future__ import annotations

from numbers.models import PhoneNumber
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bandwidth.client.compliance import (
    TollFreeStatus,
)
from bandwidth.errors import ValidationError as BandwidthValidationError
from carrier.clients import client_for_tenant
from core import phones
from core.errors import Conflict, ParleyError
from tenants.models import Tenant

from ..models import (
    BusinessProfile,
    ComplianceNotification,
    TollFreeVerification,
)
from .account import _account_ready
from .common import (
    MAX_TOLL_FREE_PER_VERIFICATION,
    MIN_SAMPLE,
    TOLL_FREE_USE_CASES,
    _profile_of,
    _refused,
    profile_missing,
)
from .events import toll_free_verification_status_changed
from .status import _refresh_statuses

# --- toll-free verification ---


def _toll_free_submission(
    tenant: Tenant, verification: TollFreeVerification, with_numbers: bool
) -> dict[str, Any]:
    profile = _profile_of(tenant)
    body: dict[str, Any] = {
        "businessAddress": {
            "name": profile.legal_name,
            "addr1": profile.street,
            "city": profile.city,
            "state": profile.state,
            "zip": profile.postal_code,
            "url": profile.website,
        },
        "businessContact": {
            "firstName": profile.contact_first_name,
            "lastName": profile.contact_last_name,
            "email": profile.contact_email,
            "phoneNumber": profile.contact_phone,
        },
        "messageVolume": verification.message_volume,
        "useCase": verification.use_case,
        "useCaseSummary": verification.use_case_summary,
        "productionMessageContent": verification.sample_message,
        "optInWorkflow": {"description": verification.opt_in_description, "imageUrls": []},
        "businessEntityType": profile.entity_type,
        "isvReseller": settings.COMPLIANCE_RESELLER_NAME,
    }
    if profile.dba:
        body["businessDba"] = profile.dba
    if profile.entity_type != BusinessProfile.EntityType.SOLE_PROPRIETOR:
        body["businessRegistrationNumber"] = profile.registration_number
        body["businessRegistrationType"] = profile.registration_type
        body["businessRegistrationIssuingCountry"] = profile.registration_country
    if with_numbers:
        body["phoneNumbers"] = list(verification.numbers)
    return body


def _check_toll_free_fields(
    use_case: str,
    use_case_summary: str,
    sample_message: str,
    opt_in_description: str,
    message_volume: int,
) -> None:
    if use_case not in TOLL_FREE_USE_CASES:
        raise ParleyError(f"Choose one of {', '.join(TOLL_FREE_USE_CASES)}.", field="use_case")
    if len(use_case_summary.strip()) < MIN_SAMPLE:
        raise ParleyError(
            f"Summarise the use case in at least {MIN_SAMPLE} characters.",
            field="use_case_summary",
        )
    if len(sample_message.strip()) < MIN_SAMPLE:
        raise ParleyError(
            f"The sample message needs at least {MIN_SAMPLE} characters.", field="sample_message"
        )
    if len(opt_in_description.strip()) < MIN_SAMPLE:
        raise ParleyError(
            f"Describe how people opt in, in at least {MIN_SAMPLE} characters.",
            field="opt_in_description",
        )
    if not isinstance(message_volume, int) or not 10 <= message_volume <= 10_000_000:
        raise ParleyError("Give the monthly volume, from 10 to 10,000,000.", field="message_volume")


def toll_free_verification_submit(
    *,
    tenant: Tenant,
    numbers: list[str],
    use_case: str,
    use_case_summary: str,
    sample_message: str,
    opt_in_description: str,
    message_volume: int = 1000,
) -> TollFreeVerification:
    if not isinstance(numbers, list) or not numbers:
        raise ParleyError("Give at least one toll-free number.", field="numbers")
    if len(numbers) > MAX_TOLL_FREE_PER_VERIFICATION:
        raise ParleyError(
            f"At most {MAX_TOLL_FREE_PER_VERIFICATION} toll-free numbers per verification.",
            field="numbers",
        )
    wanted = [phones.normalize_number(str(n), field="numbers") for n in numbers]
    owned = {
        row.number: row
        for row in PhoneNumber.objects.for_tenant(tenant).filter(
            number__in=wanted, status=PhoneNumber.Status.ACTIVE
        )
    }
    for number in wanted:
        row = owned.get(number)
        if row is None or row.kind != PhoneNumber.Kind.TOLL_FREE:
            raise ParleyError(
                f"{number} is not an active toll-free number of yours.", field="numbers"
            )
    busy = TollFreeVerification.objects.for_tenant(tenant).exclude(
        status=TollFreeVerification.Status.DENIED
    )
    for verification in busy:
        taken = set(verification.numbers) & set(wanted)
        if taken:
            raise Conflict(
                f"{sorted(taken)[0]} already has a {verification.status} verification.",
                code="verification_exists",
            )
    _check_toll_free_fields(
        use_case, use_case_summary, sample_message, opt_in_description, message_volume
    )
    profile = _profile_of(tenant)
    missing = profile_missing(profile)
    if profile.entity_type == BusinessProfile.EntityType.SOLE_PROPRIETOR:
        missing = [m for m in missing if m != "registration_number"]
    if missing:
        raise ParleyError(
            f"Fill in the business profile first: {', '.join(missing)}.", field=missing[0]
        )
    verification = TollFreeVerification(
        tenant=tenant,
        numbers=wanted,
        use_case=use_case,
        use_case_summary=use_case_summary.strip(),
        sample_message=sample_message.strip(),
        opt_in_description=opt_in_description.strip(),
        message_volume=message_volume,
    )
    client = client_for_tenant(tenant)
    _account_ready(client)
    try:
        client.compliance.toll_free_submit(_toll_free_submission(tenant, verification, True))
    except BandwidthValidationError as error:
        raise _refused(error) from error
    with transaction.atomic():
        verification.save()
        toll_free_verification_status_changed(verification, None)
        _refresh_statuses(tenant)
    return verification


def toll_free_verification_resubmit(
    *,
    verification: TollFreeVerification,
    use_case: str | None = None,
    use_case_summary: str | None = None,
    sample_message: str | None = None,
    opt_in_description: str | None = None,
    message_volume: int | None = None,
) -> TollFreeVerification:
    """Corrects a denied submission, within 7 days of the denial when Bandwidth allows it."""
    if not verification.can_resubmit:
        raise Conflict(
            "This verification cannot be resubmitted (not denied, not allowed, or past its "
            "7-day deadline); submit a new one.",
            code="resubmit_not_allowed",
        )
    for name, value in (
        ("use_case", use_case),
        ("use_case_summary", use_case_summary),
        ("sample_message", sample_message),
        ("opt_in_description", opt_in_description),
        ("message_volume", message_volume),
    ):
        if value is not None:
            setattr(verification, name, value)
    _check_toll_free_fields(
        verification.use_case,
        verification.use_case_summary,
        verification.sample_message,
        verification.opt_in_description,
        verification.message_volume,
    )
    client = client_for_tenant(verification.tenant)
    submission = _toll_free_submission(verification.tenant, verification, False)
    try:
        for number in verification.numbers:
            client.compliance.toll_free_resubmit(number, submission)
    except BandwidthValidationError as error:
        raise _refused(error) from error
    with transaction.atomic():
        previous = verification.status
        verification.status = TollFreeVerification.Status.PENDING
        verification.denial_code = None
        verification.denial_reason = ""
        verification.resubmit_allowed = False
        verification.save()
        toll_free_verification_status_changed(verification, previous)
        _refresh_statuses(verification.tenant)
    return verification


def _apply_toll_free(verification: TollFreeVerification, status: TollFreeStatus) -> None:
    previous = verification.status
    if status.status == "VERIFIED":
        verification.status = TollFreeVerification.Status.VERIFIED
        verification.denial_code = None
        verification.denial_reason = ""
        verification.decided_at = verification.decided_at or timezone.now()
    elif status.status == "UNVERIFIED" and status.denial_code is not None:
        if verification.status != TollFreeVerification.Status.DENIED:
            verification.decided_at = timezone.now()
        verification.status = TollFreeVerification.Status.DENIED
        verification.denial_code = status.denial_code
        verification.denial_reason = status.decline_reason[:500]
        verification.resubmit_allowed = status.resubmit_allowed
    verification.checked_at = timezone.now()
    verification.save()
    toll_free_verification_status_changed(verification, previous)


def toll_free_verification_refresh(*, verification: TollFreeVerification) -> TollFreeVerification:
    status = client_for_tenant(verification.tenant).compliance.toll_free_status(
        verification.numbers[0]
    )
    with transaction.atomic():
        locked = TollFreeVerification.objects.select_for_update().get(pk=verification.pk)
        _apply_toll_free(locked, status)
        _refresh_statuses(locked.tenant)
    return locked


@transaction.atomic
def toll_free_notification_record(*, body: str, status: TollFreeStatus) -> int:
    """A signed verification webhook: kept raw and applied to the verification of its number."""
    changed = 0
    rows = TollFreeVerification.objects.select_for_update().filter(
        status__in=[TollFreeVerification.Status.PENDING, TollFreeVerification.Status.DENIED]
    )
    for verification in rows:
        if status.phone_number in verification.numbers:
            _apply_toll_free(verification, status)
            _refresh_statuses(verification.tenant)
            changed += 1
    ComplianceNotification.objects.create(
        kind=ComplianceNotification.Kind.TOLL_FREE,
        body=body,
        outcome=f"{status.phone_number} {status.status}: {changed} verification(s) updated",
    )
    return changed
