"""Compliance fixtures: tenants provisioned on the emulator, and the registration path walked
through Parley's API with the emulator's /_sim deciding what the registry and carriers would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from bandwidth.client.emulator_sim import decide_brand, decide_campaign
from bandwidth.emulator.app import RunningEmulator
from carrier import services as carrier_services
from compliance import tasks
from compliance.models import Brand, Campaign
from tenants.models import Tenant

PROFILE: dict[str, Any] = {
    "legal_name": "Acme Plumbing LLC",
    "dba": "Acme Plumbing",
    "entity_type": "PRIVATE_PROFIT",
    "registration_number": "12-3456789",
    "street": "1 Main St",
    "city": "Raleigh",
    "state": "NC",
    "postal_code": "27601",
    "website": "https://acme.example.com",
    "vertical": "CONSTRUCTION",
    "contact_first_name": "Ada",
    "contact_last_name": "Lovelace",
    "contact_email": "ada@acme.example.com",
    "contact_phone": "+19195551234",
}
CAMPAIGN: dict[str, Any] = {
    "use_case": "CUSTOMER_CARE",
    "description": "Appointment reminders and replies to customers of Acme Plumbing.",
    "samples": ["Acme: your plumber arrives at 10am tomorrow. Reply STOP to opt out."],
    "message_flow": "Customers give their mobile number on the booking form and tick a box.",
}


@pytest.fixture
def provisioned(
    bandwidth: RunningEmulator, tenant: Tenant, other_tenant: Tenant
) -> RunningEmulator:
    bandwidth.emulator.config.order_complete_delay = 10.0
    carrier_services.provisioning_run(tenant=tenant)
    carrier_services.provisioning_run(tenant=other_tenant)
    return bandwidth


def reconcile() -> None:
    """What the beat's reconciler does every minute."""
    tasks.reconcile_compliance()


@pytest.fixture
def register() -> Callable[[APIClient, RunningEmulator], Campaign]:
    """Profile → brand → /_sim verified → campaign → /_sim approved, through the API."""

    def run(client: APIClient, emulator: RunningEmulator) -> Campaign:
        assert client.put("/api/v1/compliance/profile/", PROFILE, format="json").status_code == 200
        brand = client.post("/api/v1/compliance/brand/")
        assert brand.status_code == 201, brand.content
        decide_brand(emulator.url, brand.json()["bandwidth_brand_id"], status="VERIFIED")
        reconcile()
        assert Brand.objects.get(pk=brand.json()["id"]).status == "verified"
        created = client.post("/api/v1/compliance/campaigns/", CAMPAIGN, format="json")
        assert created.status_code == 201, created.content
        decide_campaign(emulator.url, created.json()["bandwidth_campaign_id"], status="APPROVED")
        reconcile()
        campaign = Campaign.objects.get(pk=created.json()["id"])
        assert campaign.status == "approved"
        return campaign

    return run
