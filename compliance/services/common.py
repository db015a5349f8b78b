"""What the compliance services share: rules, errors, the profile's completeness."""

from __future__ import annotations

from datetime import timedelta

from bandwidth.errors import BandwidthError
from core.errors import Conflict, ParleyError
from tenants.models import Tenant

from ..models import (
    BusinessProfile,
)

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


def profile_missing(profile: BusinessProfile) -> list[str]:
    """The fields a brand registration still needs."""
    return [name for name in REQUIRED_FOR_BRAND if not getattr(profile, name)]


def _refused(error: BandwidthError, field: str | None = None) -> ParleyError:
    detail = error.raw_body[:300] if error.raw_body else error.description
    return ParleyError(f"Bandwidth refused it: {detail}", field=field, code="bandwidth_refused")
