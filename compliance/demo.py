"""Registration of a tenant decided by the local emulator (``make run``'s demo tenant, the
chaos harness): the profile filled with sample values, Parley's main brand and the tenant's
brand verified and the campaign approved through the emulator's ``/_sim`` endpoints. Refused
without the emulator."""

from __future__ import annotations

from django.conf import settings

from bandwidth.client import emulator_sim
from core.errors import ParleyError
from tenants.models import Tenant

from . import selectors, services
from .models import Brand, Campaign, ComplianceAccount

DEMO_PROFILE = {
    "entity_type": "PRIVATE_PROFIT",
    "registration_number": "12-3456789",
    "street": "1 Main St",
    "city": "Raleigh",
    "state": "NC",
    "postal_code": "27601",
    "website": "https://demo.parley.example",
    "vertical": "TECHNOLOGY",
    "contact_first_name": "Demo",
    "contact_last_name": "Owner",
    "contact_email": "demo@parley.test",
    "contact_phone": "+19195550199",
}
DEMO_CAMPAIGN = {
    "use_case": "CUSTOMER_CARE",
    "description": "Replies to customers who write to us, and reminders of their appointments.",
    "samples": ["Thanks for writing! Your appointment is confirmed for 10am tomorrow."],
    "message_flow": "Customers text us first, or give their number on our booking form.",
}


def register_through_emulator(*, tenant: Tenant) -> Campaign:
    """Walks the tenant to an approved campaign; each step is skipped once done, so it can run
    again (after a restart) and resume."""
    url = settings.BANDWIDTH_EMULATOR_URL
    if not url:
        raise ParleyError("Registration by simulation needs the local emulator (make run).")
    profile = selectors.profile_for(tenant=tenant)
    if services.profile_missing(profile):
        services.profile_update(
            tenant=tenant, legal_name=profile.legal_name or f"{tenant.name} LLC", **DEMO_PROFILE
        )
    brand = Brand.objects.for_tenant(tenant).first() or services.brand_submit(tenant=tenant)
    for account in ComplianceAccount.objects.exclude(main_brand_id="").exclude(
        main_brand_status=Brand.Status.VERIFIED
    ):
        emulator_sim.decide_brand(url, account.main_brand_id, status="VERIFIED")
        services.platform_brand_refresh(account=account)
    if brand.status != Brand.Status.VERIFIED:
        emulator_sim.decide_brand(url, brand.bandwidth_brand_id, status="VERIFIED")
        brand = services.brand_refresh(brand=brand)
    campaign = services.approved_campaign(tenant) or (
        Campaign.objects.for_tenant(tenant).first()
        or services.campaign_create(tenant=tenant, **DEMO_CAMPAIGN)  # type: ignore[arg-type]
    )
    if campaign.status != Campaign.Status.APPROVED:
        emulator_sim.decide_campaign(url, campaign.bandwidth_campaign_id, status="APPROVED")
        campaign = services.campaign_refresh(campaign=campaign)
    return campaign
