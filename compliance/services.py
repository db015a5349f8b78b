"""Every write of the compliance app: the business profile, the brand and campaigns registered
from it, campaign assignments (tnoptions orders), toll-free verifications, line-type lookups,
and each number's ``messaging_status``, which only this module sets.

Calls to Bandwidth happen before the transaction that records their answer, never inside it.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from numbers.models import PhoneNumber
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone

from bandwidth.client import BandwidthClient
from bandwidth.client.compliance import (
    BrandDetails,
    CampaignDetails,
    LineType,
    TollFreeStatus,
)
from bandwidth.errors import BandwidthError
from bandwidth.errors import ValidationError as BandwidthValidationError
from carrier import secret_box
from carrier.clients import client_for_tenant
from carrier.webhook_auth import PURPOSE as WEBHOOK_PURPOSE
from core import phones
from core.errors import Conflict, ParleyError
from tenants.models import Tenant
from tenants.tokens import keyed_digest

from .models import (
    AssignedNumber,
    Brand,
    BusinessProfile,
    Campaign,
    CampaignAssignment,
    ComplianceAccount,
    ComplianceNotification,
    LineTypeLookup,
    TollFreeVerification,
)

logger = logging.getLogger("parley.compliance")

LOOKUP_FRESH_FOR = timedelta(days=30)
MAX_TOLL_FREE_PER_VERIFICATION = 10
MIN_SAMPLE = 20
MIN_DESCRIPTION = 40
CUSTOMER_ORDER_PREFIX = "parley-tno-"
USE_CASES = (
    "2FA",
    "ACCOUNT_NOTIFICATION",
    "CUSTOMER_CARE",
    "DELIVERY_NOTIFICATION",
    "FRAUD_ALERT",
    "HIGHER_EDUCATION",
    "LOW_VOLUME",
    "MARKETING",
    "MIXED",
    "POLLING_VOTING",
    "PUBLIC_SERVICE_ANNOUNCEMENT",
    "SECURITY_ALERT",
)
VERTICALS = (
    "REAL_ESTATE",
    "ENERGY",
    "HEALTHCARE",
    "ENTERTAINMENT",
    "RETAIL",
    "AGRICULTURE",
    "INSURANCE",
    "EDUCATION",
    "HOSPITALITY",
    "FINANCIAL",
    "GAMBLING",
    "CONSTRUCTION",
    "NGO",
    "MANUFACTURING",
    "GOVERNMENT",
    "TECHNOLOGY",
    "COMMUNICATION",
)
TOLL_FREE_USE_CASES = (
    "2FA",
    "Account Notifications",
    "Appointments",
    "Customer Care",
    "Delivery Notifications",
    "Marketing",
    "Polling and Voting",
    "Public Service Announcement",
)
CARRIER_REFUSALS = {
    4773: "Carriers refused a text from it: its 10DLC campaign is not active.",
    4774: "Carriers refused a text from it: its campaign provisioning is incomplete.",
    4795: "Carriers refused a text from it: the toll-free number is not verified.",
}
TRUST_URL = "/trust/"


class NumberNotReady(Conflict):
    code = "number_not_ready"


class RecipientNotTextable(Conflict):
    code = "recipient_not_textable"


# --- the business profile ---

PROFILE_FIELDS = (
    "legal_name",
    "dba",
    "entity_type",
    "registration_number",
    "registration_type",
    "registration_country",
    "street",
    "city",
    "state",
    "postal_code",
    "country",
    "website",
    "vertical",
    "contact_first_name",
    "contact_last_name",
    "contact_email",
    "contact_phone",
    "allow_unregistered_10dlc",
)
REQUIRED_FOR_BRAND = (
    "legal_name",
    "entity_type",
    "registration_number",
    "street",
    "city",
    "state",
    "postal_code",
    "website",
    "vertical",
    "contact_first_name",
    "contact_last_name",
    "contact_email",
    "contact_phone",
)


def _profile_of(tenant: Tenant) -> BusinessProfile:
    return BusinessProfile.objects.for_tenant(tenant).first() or BusinessProfile(tenant=tenant)


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


def profile_missing(profile: BusinessProfile) -> list[str]:
    """The fields a brand registration still needs."""
    return [name for name in REQUIRED_FOR_BRAND if not getattr(profile, name)]


# --- the account (once per Bandwidth account) ---


def _webhook_url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/webhooks/bandwidth/compliance/{path}/"


def _account_ready(client: BandwidthClient) -> ComplianceAccount:
    """Reseller settings and the notification subscriptions, created the first time."""
    account_id = client.credentials.account_id
    account, _ = ComplianceAccount.objects.get_or_create(account_id=account_id)
    changed: list[str] = []
    if not account.reseller_ready:
        client.compliance.reseller_settings_ensure(
            company_name=settings.COMPLIANCE_RESELLER_NAME,
            phone=settings.COMPLIANCE_RESELLER_PHONE,
            email=settings.COMPLIANCE_RESELLER_EMAIL,
        )
        account.reseller_ready = True
        changed.append("reseller_ready")
    if not account.tnoptions_subscription_id:
        username = f"c-{uuid.uuid4().hex[:12]}"
        password = secrets.token_urlsafe(32)
        account.tnoptions_subscription_id = client.numbers.create_subscription(
            order_type="tnoptions",
            url=_webhook_url("tnoptions"),
            username=username,
            password=password,
        )
        account.webhook_username = username
        account.webhook_password_hash = keyed_digest(password, purpose=WEBHOOK_PURPOSE)
        changed += ["tnoptions_subscription_id", "webhook_username", "webhook_password_hash"]
    if not account.toll_free_subscription_id:
        secret = secrets.token_urlsafe(32)[:40]
        account.toll_free_subscription_id = client.compliance.toll_free_subscribe(
            callback_url=_webhook_url("toll-free"), shared_secret=secret
        )
        account.signing_secret_encrypted = secret_box.encrypt(secret)
        changed += ["toll_free_subscription_id", "signing_secret_encrypted"]
    if changed:
        account.save(update_fields=[*changed, "updated_at"])
    return account


def toll_free_signing_secrets() -> list[str]:
    """The shared secrets that sign toll-free verification webhooks (one per account)."""
    secrets_found = []
    for ciphertext in ComplianceAccount.objects.exclude(signing_secret_encrypted="").values_list(
        "signing_secret_encrypted", flat=True
    ):
        secrets_found.append(secret_box.decrypt(ciphertext))
    return secrets_found


def tnoptions_webhook_account(username: str) -> ComplianceAccount | None:
    return ComplianceAccount.objects.filter(webhook_username=username).first() if username else None


def _refused(error: BandwidthError, field: str | None = None) -> ParleyError:
    detail = error.raw_body[:300] if error.raw_body else error.description
    return ParleyError(f"Bandwidth refused it: {detail}", field=field, code="bandwidth_refused")


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
            status=_brand_status(record.identity_status),
            checked_at=timezone.now(),
        )
        _refresh_statuses(tenant)
    return brand


def _brand_status(identity: str) -> str:
    if identity in ("VERIFIED", "VETTED_VERIFIED"):
        return Brand.Status.VERIFIED
    if identity == "UNVERIFIED":
        return Brand.Status.UNVERIFIED
    return Brand.Status.PENDING


def brand_refresh(*, brand: Brand) -> Brand:
    record = client_for_tenant(brand.tenant).compliance.brand_get(brand.bandwidth_brand_id)
    with transaction.atomic():
        locked = Brand.objects.select_for_update().get(pk=brand.pk)
        locked.status = _brand_status(record.identity_status)
        locked.status_detail = (
            "The campaign registry could not verify the business from its profile: check the "
            "legal name, EIN and address, then request a new review."
            if locked.status == Brand.Status.UNVERIFIED
            else ""
        )
        locked.checked_at = timezone.now()
        locked.save()
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
        locked.status = Brand.Status.PENDING
        locked.status_detail = ""
        locked.save()
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
        locked.carrier_statuses = dict(record.carrier_statuses)
        locked.status = _campaign_status(record.status, record.carrier_statuses)
        if locked.status == Campaign.Status.APPROVED and locked.approved_at is None:
            locked.approved_at = timezone.now()
        locked.checked_at = timezone.now()
        locked.save()
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
        from .tasks import assign_campaign_numbers

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
        verification.status = TollFreeVerification.Status.PENDING
        verification.denial_code = None
        verification.denial_reason = ""
        verification.resubmit_allowed = False
        verification.save()
        _refresh_statuses(verification.tenant)
    return verification


def _apply_toll_free(verification: TollFreeVerification, status: TollFreeStatus) -> None:
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


# --- each number's messaging_status ---


@dataclass(frozen=True)
class _Context:
    profile: BusinessProfile
    brand: Brand | None
    campaigns: list[Campaign]
    assigned: dict[str, int]
    in_flight: set[str]
    failed: dict[str, str]
    verifications: list[TollFreeVerification]


def _context(tenant: Tenant) -> _Context:
    assigned = dict(AssignedNumber.objects.for_tenant(tenant).values_list("number", "campaign_id"))
    in_flight: set[str] = set()
    failed: dict[str, str] = {}
    for assignment in CampaignAssignment.objects.for_tenant(tenant).order_by("created_at"):
        if assignment.status == CampaignAssignment.Status.RECEIVED:
            in_flight.update(assignment.numbers)
        for error in assignment.errors:
            if error.get("number"):
                failed[error["number"]] = str(error.get("description") or "")
    return _Context(
        profile=_profile_of(tenant),
        brand=Brand.objects.for_tenant(tenant).first(),
        campaigns=list(Campaign.objects.for_tenant(tenant)),
        assigned=assigned,
        in_flight=in_flight,
        failed=failed,
        verifications=list(TollFreeVerification.objects.for_tenant(tenant).order_by("created_at")),
    )


def _toll_free_state(number: str, ctx: _Context) -> tuple[str, str, str]:
    mine = [v for v in ctx.verifications if number in v.numbers]
    if not mine:
        return (
            PhoneNumber.MessagingStatus.BLOCKED,
            "Toll-free numbers must be verified before they may text (error 4795 otherwise).",
            f"Submit a toll-free verification for it in Trust ({TRUST_URL}).",
        )
    latest = mine[-1]
    if latest.status == TollFreeVerification.Status.VERIFIED:
        return PhoneNumber.MessagingStatus.READY, "", ""
    if latest.status == TollFreeVerification.Status.PENDING:
        return (
            PhoneNumber.MessagingStatus.PENDING,
            "Waiting for toll-free verification (usually a few business days).",
            "",
        )
    deadline = latest.resubmit_deadline
    action = (
        f"Correct and resubmit it by {deadline:%Y-%m-%d} in Trust ({TRUST_URL})."
        if latest.can_resubmit and deadline
        else f"Submit a new verification in Trust ({TRUST_URL})."
    )
    return (
        PhoneNumber.MessagingStatus.BLOCKED,
        f"Toll-free verification denied ({latest.denial_code}): {latest.denial_reason}"[:300],
        action,
    )


def _local_state(number: str, ctx: _Context) -> tuple[str, str, str]:
    approved = {c.pk for c in ctx.campaigns if c.status == Campaign.Status.APPROVED}
    if ctx.assigned.get(number) in approved:
        return PhoneNumber.MessagingStatus.READY, "", ""
    blocked = PhoneNumber.MessagingStatus.BLOCKED
    pending = PhoneNumber.MessagingStatus.PENDING
    if ctx.brand is None:
        if profile_missing(ctx.profile):
            return (
                blocked,
                "Not registered for 10DLC: the business profile is incomplete.",
                f"Fill in the business profile, then submit the brand in Trust ({TRUST_URL}).",
            )
        return blocked, "Not registered for 10DLC.", f"Submit the brand in Trust ({TRUST_URL})."
    if ctx.brand.status == Brand.Status.PENDING:
        return pending, "Waiting for the campaign registry to verify the brand.", ""
    if ctx.brand.status == Brand.Status.UNVERIFIED:
        return (
            blocked,
            "The brand was not verified by the campaign registry.",
            f"Correct the business profile and request a new review in Trust ({TRUST_URL}).",
        )
    if approved:
        if number in ctx.in_flight:
            return pending, "Being assigned to the approved campaign (tnoptions order).", ""
        if number in ctx.failed:
            return (
                blocked,
                f"Assigning it to the campaign failed: {ctx.failed[number]}"[:300],
                "Staff retry the assignment from the admin.",
            )
        return pending, "Waiting to be assigned to the approved campaign.", ""
    if any(c.status == Campaign.Status.PENDING for c in ctx.campaigns):
        return pending, "Waiting for the carriers to approve the campaign.", ""
    if ctx.campaigns:
        latest = ctx.campaigns[0]
        return (
            blocked,
            f"The campaign is {latest.get_status_display().lower()} by a carrier.",
            f"Correct the campaign and ask for a new review in Trust ({TRUST_URL}).",
        )
    return blocked, "No campaign registered yet.", f"Create a campaign in Trust ({TRUST_URL})."


def _refresh_statuses(tenant: Tenant, numbers: Iterable[PhoneNumber] | None = None) -> int:
    """Recomputes ``messaging_status`` of the tenant's active numbers; returns how many changed."""
    ctx = _context(tenant)
    rows = (
        numbers
        if numbers is not None
        else PhoneNumber.objects.for_tenant(tenant).filter(status=PhoneNumber.Status.ACTIVE)
    )
    changed = 0
    for row in rows:
        if row.kind == PhoneNumber.Kind.TOLL_FREE:
            state = _toll_free_state(row.number, ctx)
        else:
            state = _local_state(row.number, ctx)
        if state != (
            row.messaging_status,
            row.messaging_status_reason,
            row.messaging_status_action,
        ):
            PhoneNumber.objects.filter(pk=row.pk).update(
                messaging_status=state[0],
                messaging_status_reason=state[1],
                messaging_status_action=state[2],
            )
            row.messaging_status, row.messaging_status_reason, row.messaging_status_action = state
            changed += 1
    return changed


@transaction.atomic
def messaging_status_refresh(*, tenant: Tenant) -> int:
    return _refresh_statuses(tenant)


def number_status_changed(*, phone_number: PhoneNumber, new_status: str) -> None:
    """A number became active (or stopped being): its status now, and a campaign assignment
    after commit for a local number of a tenant with an approved campaign."""
    if new_status != PhoneNumber.Status.ACTIVE:
        return
    _refresh_statuses(phone_number.tenant, [phone_number])
    if phone_number.kind == PhoneNumber.Kind.LOCAL and approved_campaign(phone_number.tenant):
        _enqueue_assignment(phone_number.tenant)


@transaction.atomic
def number_refused_by_carrier(*, tenant: Tenant, number: str, error_code: int) -> None:
    """Bandwidth's 4773/4774/4795 on a send: the number is not ready, whatever Parley thought."""
    reason = CARRIER_REFUSALS.get(error_code)
    if reason is None:
        return
    PhoneNumber.objects.for_tenant(tenant).filter(number=number).update(
        messaging_status=PhoneNumber.MessagingStatus.BLOCKED,
        messaging_status_reason=reason,
        messaging_status_action=f"Check its registration in Trust ({TRUST_URL}).",
    )


# --- the send check ---


def _fresh_lookups(tenant: Tenant, numbers: list[str], now: datetime) -> dict[str, LineTypeLookup]:
    return {
        row.number: row
        for row in LineTypeLookup.objects.for_tenant(tenant).filter(
            number__in=numbers, looked_up_at__gte=now - LOOKUP_FRESH_FOR
        )
    }


def _store_lookups(tenant: Tenant, results: Iterable[LineType]) -> None:
    now = timezone.now()
    for result in results:
        if not result.phone_number:
            continue
        LineTypeLookup.objects.update_or_create(
            tenant=tenant,
            number=result.phone_number,
            defaults={
                "line_type": result.line_type
                if result.line_type in LineTypeLookup.LineType.values
                else "",
                "deactivated": result.deactivated,
                "carrier": result.messaging_provider or result.voice_provider,
                "looked_up_at": now,
            },
        )


def line_types_lookup(*, tenant: Tenant, numbers: list[str]) -> dict[str, LineTypeLookup]:
    """The line type of each number: cached for 30 days, else asked of Bandwidth (100 at a
    time). A lookup Bandwidth cannot answer now is left out (the send is not held up by it)."""
    now = timezone.now()
    found = _fresh_lookups(tenant, numbers, now)
    missing = [n for n in dict.fromkeys(numbers) if n not in found]
    if missing:
        client = client_for_tenant(tenant)
        for start in range(0, len(missing), 100):
            try:
                results = client.compliance.lookup(missing[start : start + 100])
            except BandwidthError:
                logger.warning("line-type lookup failed for %d number(s)", len(missing))
                break
            _store_lookups(tenant, results)
        found = _fresh_lookups(tenant, numbers, now)
    return found


def line_types_bulk_start(*, tenant: Tenant, numbers: list[str]) -> str | None:
    """For imports: one asynchronous bulk lookup of what is not cached; a task collects it."""
    now = timezone.now()
    fresh = _fresh_lookups(tenant, numbers, now)
    missing = [n for n in dict.fromkeys(numbers) if n not in fresh]
    if not missing:
        return None
    return client_for_tenant(tenant).compliance.lookup_bulk_create(missing)


def line_types_bulk_collect(*, tenant: Tenant, request_id: str) -> bool:
    results = client_for_tenant(tenant).compliance.lookup_bulk_get(request_id)
    if results is None:
        return False
    _store_lookups(tenant, results)
    return True


def send_check(
    *,
    tenant: Tenant,
    phone_number: PhoneNumber,
    recipients: list[str],
    allow_not_textable: bool = False,
) -> None:
    """Refuses (409) a send from a number carriers would refuse, or to numbers that cannot take
    texts (a landline, a deactivated number) unless the user overrides. Calls are not checked."""
    if phone_number.messaging_status != PhoneNumber.MessagingStatus.READY:
        best_effort = (
            phone_number.kind == PhoneNumber.Kind.LOCAL
            and _profile_of(tenant).allow_unregistered_10dlc
        )
        if not best_effort:
            reason = phone_number.messaging_status_reason or "Its registration is not complete."
            action = phone_number.messaging_status_action
            raise NumberNotReady(
                f"{phone_number.formatted} cannot text yet. {reason} {action}".strip(),
                field="from",
            )
    if allow_not_textable:
        return
    lookups = (
        line_types_lookup(tenant=tenant, numbers=recipients)
        if settings.LINE_TYPE_LOOKUP_ON_SEND
        else _fresh_lookups(tenant, recipients, timezone.now())
    )
    for number in recipients:
        lookup = lookups.get(number)
        if lookup is not None and not lookup.textable:
            what = "deactivated" if lookup.deactivated else "a landline"
            raise RecipientNotTextable(
                f"{phones.format_number(number)} is {what} and cannot receive texts. Call it "
                "instead, or send anyway if you know better.",
                field="to",
            )


# --- the reconciler ---


def to_reconcile(*, now: datetime | None = None) -> dict[str, list[int]]:
    """What no notification settled: pending brands, campaigns and verifications, assignments
    open for over a minute, and tenants with approved campaigns and unassigned numbers."""
    now = now or timezone.now()
    recent = now - timedelta(seconds=settings.COMPLIANCE_RECONCILE_AFTER_SECONDS)
    return {
        "brands": list(
            Brand.objects.filter(status=Brand.Status.PENDING).values_list("pk", flat=True)
        ),
        "campaigns": list(
            Campaign.objects.filter(status=Campaign.Status.PENDING).values_list("pk", flat=True)
        ),
        "assignments": list(
            CampaignAssignment.objects.filter(
                status=CampaignAssignment.Status.RECEIVED, created_at__lte=recent
            ).values_list("pk", flat=True)
        ),
        "toll_free": list(
            TollFreeVerification.objects.filter(
                status=TollFreeVerification.Status.PENDING
            ).values_list("pk", flat=True)
        ),
    }


def reconcile_one(*, kind: str, pk: int) -> None:
    if kind == "brands":
        brand_refresh(brand=Brand.objects.get(pk=pk))
    elif kind == "campaigns":
        campaign_refresh(campaign=Campaign.objects.get(pk=pk))
    elif kind == "assignments":
        assignment = CampaignAssignment.objects.get(pk=pk)
        if assignment.bandwidth_order_id:
            assignment_reconcile(assignment=assignment)
    elif kind == "toll_free":
        toll_free_verification_refresh(verification=TollFreeVerification.objects.get(pk=pk))


def tenants_with_unassigned_numbers() -> list[Tenant]:
    tenants = []
    for campaign in Campaign.objects.filter(status=Campaign.Status.APPROVED).select_related(
        "tenant"
    ):
        if _numbers_to_assign(campaign.tenant, campaign):
            tenants.append(campaign.tenant)
    return list({t.pk: t for t in tenants}.values())
