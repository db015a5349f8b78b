"""The 10DLC brand, campaigns, and campaign assignments (tnoptions orders)."""

from __future__ import annotations

import logging
import re
import uuid
from numbers.models import PhoneNumber

from django.db import transaction
from django.utils import timezone

from bandwidth.client.compliance import (
    BrandDetails,
    CampaignDetails,
)
from bandwidth.errors import ValidationError as BandwidthValidationError
from carrier.clients import client_for_tenant
from core.errors import Conflict, ParleyError
from tenants.models import Tenant

from ..models import (
    AssignedNumber,
    Brand,
    BusinessProfile,
    Campaign,
    CampaignAssignment,
    ComplianceNotification,
)
from .account import _account_ready, brand_status_from
from .common import (
    CUSTOMER_ORDER_PREFIX,
    MIN_DESCRIPTION,
    MIN_SAMPLE,
    USE_CASES,
    _profile_of,
    _refused,
    profile_missing,
)
from .events import brand_status_changed, campaign_status_changed
from .status import _refresh_statuses

logger = logging.getLogger("parley.compliance")

# --- the brand ---


def brand_submit(*, tenant: Tenant) -> Brand:
    """Registers the tenant's brand from its profile (once; later changes go through a revet)."""
    profile = _profile_of(tenant)
    missing = profile_missing(profile)
    if missing:
        raise ParleyError(
            f"Fill in the business profile first: {', '.join(missing)}.", field=missing[0]
        )
    if profile.entity_type == BusinessProfile.EntityType.SOLE_PROPRIETOR:
        raise ParleyError(
            "Sole proprietors cannot register a 10DLC brand through Bandwidth; use a toll-free "
            "number and verify it instead.",
            field="entity_type",
        )
    if Brand.objects.for_tenant(tenant).exists():
        raise Conflict("The brand is already submitted.", code="brand_exists")
    client = client_for_tenant(tenant)
    _account_ready(client)
    try:
        record = client.compliance.brand_create(
            BrandDetails(
                entity_type=profile.entity_type,
                company_name=profile.legal_name,
                display_name=profile.dba or profile.legal_name,
                ein=re.sub(r"\D", "", profile.registration_number),
                email=profile.contact_email,
                phone=profile.contact_phone,
                street=profile.street,
                city=profile.city,
                state=profile.state,
                postal_code=profile.postal_code,
                country=profile.country,
                vertical=profile.vertical,
                website=profile.website,
            )
        )
    except BandwidthValidationError as error:
        raise _refused(error) from error
    with transaction.atomic():
        brand = Brand.objects.create(
            tenant=tenant,
            bandwidth_brand_id=record.brand_id,
            status=brand_status_from(record.identity_status),
            checked_at=timezone.now(),
        )
        brand_status_changed(brand, None)
        _refresh_statuses(tenant)
    return brand


def brand_refresh(*, brand: Brand) -> Brand:
    record = client_for_tenant(brand.tenant).compliance.brand_get(brand.bandwidth_brand_id)
    with transaction.atomic():
        locked = Brand.objects.select_for_update().get(pk=brand.pk)
        previous = locked.status
        locked.status = brand_status_from(record.identity_status)
        locked.status_detail = (
            "The campaign registry could not verify the business from its profile: check the "
            "legal name, EIN and address, then request a new review."
            if locked.status == Brand.Status.UNVERIFIED
            else ""
        )
        locked.checked_at = timezone.now()
        locked.save()
        brand_status_changed(locked, previous)
        _refresh_statuses(locked.tenant)
    return locked


def brand_revet(*, brand: Brand) -> Brand:
    """Asks the registry to review the brand again (after the profile was corrected)."""
    try:
        client_for_tenant(brand.tenant).compliance.brand_revet(brand.bandwidth_brand_id)
    except BandwidthValidationError as error:
        raise _refused(error) from error
    with transaction.atomic():
        locked = Brand.objects.select_for_update().get(pk=brand.pk)
        previous = locked.status
        locked.status = Brand.Status.PENDING
        locked.status_detail = ""
        locked.save()
        brand_status_changed(locked, previous)
        _refresh_statuses(locked.tenant)
    return locked


def brand_vet(*, brand: Brand) -> str:
    """Orders an external (standard) vetting, which raises carriers' throughput limits."""
    try:
        return client_for_tenant(brand.tenant).compliance.brand_vet(brand.bandwidth_brand_id)
    except BandwidthValidationError as error:
        raise _refused(error) from error


# --- campaigns ---


def _messaging_policy(tenant: Tenant) -> tuple[str, str]:
    """The tenant's HELP and STOP replies, which a campaign's messages default to."""
    from django.apps import apps

    model = apps.get_model("messaging", "MessagingPolicy")
    policy = model.objects.for_tenant(tenant).first()
    help_text = getattr(policy, "help_text", "") or ""
    stop_text = getattr(policy, "stop_text", "") or ""
    return help_text, stop_text


def campaign_defaults(*, tenant: Tenant) -> dict[str, str]:
    help_text, stop_text = _messaging_policy(tenant)
    name = _profile_of(tenant).dba or _profile_of(tenant).legal_name or tenant.name
    return {
        "help_message": help_text
        or f"{name}: reply to this text or visit our website for help. Msg&data rates may apply.",
        "optout_message": stop_text
        or f"{name}: you are unsubscribed and will receive no more texts. Reply START to rejoin.",
    }


def campaign_create(
    *,
    tenant: Tenant,
    use_case: str,
    description: str,
    samples: list[str],
    message_flow: str,
    sub_use_cases: list[str] | None = None,
    help_message: str = "",
    optout_message: str = "",
) -> Campaign:
    sub_use_cases = list(sub_use_cases or [])
    if use_case not in USE_CASES:
        raise ParleyError(f"Choose one of {', '.join(USE_CASES)}.", field="use_case")
    for sub in sub_use_cases:
        if sub not in USE_CASES:
            raise ParleyError(f"{sub} is not a use case.", field="sub_use_cases")
    if len(description.strip()) < MIN_DESCRIPTION:
        raise ParleyError(
            f"Describe the campaign in at least {MIN_DESCRIPTION} characters.", field="description"
        )
    if not samples or not isinstance(samples, list) or len(samples) > 5:
        raise ParleyError("Give one to five sample messages.", field="samples")
    for sample in samples:
        if not isinstance(sample, str) or len(sample.strip()) < MIN_SAMPLE:
            raise ParleyError(
                f"Each sample message needs at least {MIN_SAMPLE} characters (Bandwidth's "
                "minimum).",
                field="samples",
            )
    if len(message_flow.strip()) < MIN_DESCRIPTION:
        raise ParleyError(
            f"Say in at least {MIN_DESCRIPTION} characters how people opt in.",
            field="message_flow",
        )
    defaults = campaign_defaults(tenant=tenant)
    help_message = (help_message or defaults["help_message"]).strip()
    optout_message = (optout_message or defaults["optout_message"]).strip()
    for name, value in (("help_message", help_message), ("optout_message", optout_message)):
        if len(value) < MIN_SAMPLE:
            raise ParleyError(f"Needs at least {MIN_SAMPLE} characters.", field=name)
    brand = Brand.objects.for_tenant(tenant).first()
    if brand is None or brand.status != Brand.Status.VERIFIED:
        raise Conflict(
            "The brand must be verified before a campaign can be registered.",
            code="brand_not_verified",
        )
    client = client_for_tenant(tenant)
    try:
        record = client.compliance.campaign_create(
            CampaignDetails(
                brand_id=brand.bandwidth_brand_id,
                usecase=use_case,
                sub_usecases=tuple(sub_use_cases),
                vertical=_profile_of(tenant).vertical,
                description=description.strip(),
                samples=tuple(s.strip() for s in samples),
                message_flow=message_flow.strip(),
                help_message=help_message,
                optout_message=optout_message,
            )
        )
    except BandwidthValidationError as error:
        raise _refused(error) from error
    with transaction.atomic():
        campaign = Campaign.objects.create(
            tenant=tenant,
            brand=brand,
            bandwidth_campaign_id=record.campaign_id,
            use_case=use_case,
            sub_use_cases=sub_use_cases,
            description=description.strip(),
            samples=[s.strip() for s in samples],
            message_flow=message_flow.strip(),
            help_message=help_message,
            optout_message=optout_message,
            carrier_statuses=dict(record.carrier_statuses),
            status=_campaign_status(record.status, record.carrier_statuses),
            checked_at=timezone.now(),
        )
        campaign_status_changed(campaign, None, None)
        _refresh_statuses(tenant)
    return campaign


def _campaign_status(status: str, carriers: dict[str, str]) -> str:
    if status in ("EXPIRED", "DEACTIVATED"):
        return Campaign.Status.EXPIRED
    values = set(carriers.values())
    if "SUSPENDED" in values:
        return Campaign.Status.SUSPENDED
    if "REJECTED" in values:
        return Campaign.Status.REJECTED
    if values and values == {"APPROVED"}:
        return Campaign.Status.APPROVED
    return Campaign.Status.PENDING


def campaign_refresh(*, campaign: Campaign) -> Campaign:
    """Reads the carriers' verdicts; once approved, the tenant's local numbers are assigned."""
    record = client_for_tenant(campaign.tenant).compliance.campaign_get(
        campaign.bandwidth_campaign_id
    )
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        previous, previous_carriers = locked.status, dict(locked.carrier_statuses)
        locked.carrier_statuses = dict(record.carrier_statuses)
        locked.status = _campaign_status(record.status, record.carrier_statuses)
        if locked.status == Campaign.Status.APPROVED and locked.approved_at is None:
            locked.approved_at = timezone.now()
        locked.checked_at = timezone.now()
        locked.save()
        campaign_status_changed(locked, previous, previous_carriers)
        _refresh_statuses(locked.tenant)
        if locked.status == Campaign.Status.APPROVED:
            _enqueue_assignment(locked.tenant)
    return locked


def campaign_revet(*, campaign: Campaign) -> Campaign:
    try:
        client_for_tenant(campaign.tenant).compliance.campaign_revet(campaign.bandwidth_campaign_id)
    except BandwidthValidationError as error:
        raise _refused(error) from error
    return campaign_refresh(campaign=campaign)


def approved_campaign(tenant: Tenant) -> Campaign | None:
    return (
        Campaign.objects.for_tenant(tenant)
        .filter(status=Campaign.Status.APPROVED)
        .order_by("-approved_at", "-id")
        .first()
    )


# --- campaign assignments (tnoptions orders) ---


def _enqueue_assignment(tenant: Tenant) -> None:
    tenant_id = str(tenant.pk)

    def send() -> None:
        from ..tasks import assign_campaign_numbers

        try:
            assign_campaign_numbers.delay(tenant_id)
        except Exception:  # the broker is down: the reconciler assigns them later
            logger.exception("could not queue the campaign assignment of tenant %s", tenant_id)

    transaction.on_commit(send)


def _numbers_to_assign(tenant: Tenant, campaign: Campaign) -> list[str]:
    active_local = PhoneNumber.objects.for_tenant(tenant).filter(
        status=PhoneNumber.Status.ACTIVE, kind=PhoneNumber.Kind.LOCAL
    )
    assigned = set(
        AssignedNumber.objects.for_tenant(tenant)
        .filter(campaign=campaign)
        .values_list("number", flat=True)
    )
    in_flight: set[str] = set()
    for numbers in (
        CampaignAssignment.objects.for_tenant(tenant)
        .filter(campaign=campaign, status=CampaignAssignment.Status.RECEIVED)
        .values_list("numbers", flat=True)
    ):
        in_flight.update(numbers)
    return [
        n for n in active_local.values_list("number", flat=True) if n not in assigned | in_flight
    ]


def campaign_assign_numbers(*, tenant: Tenant) -> CampaignAssignment | None:
    """Places a tnoptions order for the tenant's active local numbers not yet on its approved
    campaign. Placing twice is harmless (Bandwidth sets the same campaign again)."""
    campaign = approved_campaign(tenant)
    if campaign is None:
        return None
    with transaction.atomic():
        numbers = _numbers_to_assign(tenant, campaign)
        if not numbers:
            return None
        assignment = CampaignAssignment.objects.create(
            tenant=tenant,
            campaign=campaign,
            customer_order_id=CUSTOMER_ORDER_PREFIX + uuid.uuid4().hex[:20],
            numbers=numbers,
        )
        _refresh_statuses(tenant)
    client = client_for_tenant(tenant)
    _account_ready(client)
    record = client.compliance.tnoption_order_create(
        customer_order_id=assignment.customer_order_id,
        campaign_id=campaign.bandwidth_campaign_id,
        numbers=numbers,
    )
    CampaignAssignment.objects.filter(pk=assignment.pk).update(bandwidth_order_id=record.order_id)
    assignment.bandwidth_order_id = record.order_id
    return assignment


@transaction.atomic
def assignment_apply(
    *, assignment: CampaignAssignment, status: str, errors: list[tuple[str, str, str]]
) -> CampaignAssignment:
    """Applies the outcome of a tnoptions order (notification or poll); a closed one stays."""
    locked = CampaignAssignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.status != CampaignAssignment.Status.RECEIVED or status not in (
        "COMPLETE",
        "PARTIAL",
        "FAILED",
    ):
        return locked
    failed = {number for _, _, number in errors}
    completed = [n for n in locked.numbers if n not in failed]
    if status == "FAILED":
        completed = []
    locked.status = status
    locked.completed_numbers = completed
    locked.errors = [{"code": c, "description": d, "number": n} for c, d, n in errors]
    locked.completed_at = timezone.now()
    locked.save()
    for number in completed:
        AssignedNumber.objects.update_or_create(
            tenant=locked.tenant, number=number, defaults={"campaign": locked.campaign}
        )
    _refresh_statuses(locked.tenant)
    return locked


def assignment_reconcile(*, assignment: CampaignAssignment) -> CampaignAssignment:
    if not assignment.bandwidth_order_id:
        return assignment
    record = client_for_tenant(assignment.tenant).compliance.tnoption_order_get(
        assignment.bandwidth_order_id
    )
    return assignment_apply(assignment=assignment, status=record.status, errors=list(record.errors))


def tnoptions_notification_record(
    *, body: str, order_id: str, customer_order_id: str
) -> CampaignAssignment | None:
    """A tnoptions notification: kept raw; the order is read back from Bandwidth, whose answer
    lists each failed number (the notification does not)."""
    assignment = (
        CampaignAssignment.objects.filter(bandwidth_order_id=order_id).first() if order_id else None
    ) or CampaignAssignment.objects.filter(customer_order_id=customer_order_id).first()
    ComplianceNotification.objects.create(
        kind=ComplianceNotification.Kind.TNOPTIONS,
        body=body,
        outcome=f"assignment {assignment.customer_order_id}" if assignment else "unknown order",
    )
    if assignment is None:
        return None
    if not assignment.bandwidth_order_id and order_id:
        CampaignAssignment.objects.filter(pk=assignment.pk).update(bandwidth_order_id=order_id)
        assignment.bandwidth_order_id = order_id
    return assignment_reconcile(assignment=assignment)


def number_status_changed(*, phone_number: PhoneNumber, new_status: str) -> None:
    """A number became active: its status now, and a campaign assignment after commit for a
    local number of a tenant with an approved campaign. A released number leaves its campaign."""
    if new_status == PhoneNumber.Status.RELEASED:
        AssignedNumber.objects.for_tenant(phone_number.tenant).filter(
            number=phone_number.number
        ).delete()
        return
    if new_status != PhoneNumber.Status.ACTIVE:
        return
    _refresh_statuses(phone_number.tenant, [phone_number])
    if phone_number.kind == PhoneNumber.Kind.LOCAL and approved_campaign(phone_number.tenant):
        _enqueue_assignment(phone_number.tenant)
