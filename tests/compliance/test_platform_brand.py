"""Parley is the reseller: its own (main) brand is registered once per Bandwidth account, before
the first tenant's brand, from the ``COMPLIANCE_PLATFORM_*`` settings."""

from __future__ import annotations

import pytest
from django.test import Client

from bandwidth.client.emulator_sim import decide_brand
from carrier.clients import platform_credentials
from compliance.models import Brand, ComplianceAccount

from .conftest import PROFILE, reconcile

pytestmark = pytest.mark.django_db(transaction=True)


def _brands(emulator):
    return list(emulator.state.brands.values())


def _submit(client):
    assert client.put("/api/v1/compliance/profile/", PROFILE, format="json").status_code == 200
    return client.post("/api/v1/compliance/brand/")


def test_the_first_tenant_brand_registers_parleys_main_brand_once(
    provisioned, tenant_api, other_api, settings
):
    emulator = provisioned.emulator
    assert _brands(emulator) == []

    assert _submit(tenant_api).status_code == 201
    main = [b for b in _brands(emulator) if b.is_main]
    customers = [b for b in _brands(emulator) if not b.is_main]
    assert len(main) == 1 and len(customers) == 1
    assert main[0].fields["CompanyName"] == settings.COMPLIANCE_PLATFORM_BRAND["legal_name"]
    assert main[0].fields["Ein"] == "987654321"
    assert customers[0].fields["CompanyName"] == PROFILE["legal_name"]
    account = ComplianceAccount.objects.get(account_id=platform_credentials().account_id)
    assert (account.main_brand_id, account.main_brand_status) == (main[0].id, "pending")

    assert _submit(other_api).status_code == 201
    assert len([b for b in _brands(emulator) if b.is_main]) == 1
    assert len([b for b in _brands(emulator) if not b.is_main]) == 2

    decide_brand(provisioned.url, main[0].id, status="VERIFIED")
    reconcile()
    account.refresh_from_db()
    assert account.main_brand_status == "verified" and account.main_brand_checked_at
    # The tenants' own brands are untouched by the main brand's verdict.
    assert set(Brand.objects.values_list("status", flat=True)) == {"pending"}


def test_a_main_brand_already_on_the_account_is_adopted_not_doubled(provisioned, tenant_api):
    """A run that registered the main brand but lost the answer (a crash before the commit)."""
    from carrier.clients import client_for_account

    client = client_for_account(None)
    client.compliance.reseller_settings_ensure(
        company_name="Parley", phone="+18005550199", email="c@parley.example"
    )
    emulator = provisioned.emulator
    from bandwidth.client.compliance import BrandDetails

    earlier = client.compliance.brand_create(
        BrandDetails(
            entity_type="PRIVATE_PROFIT",
            company_name="Parley Platform Inc.",
            display_name="Parley",
            ein="987654321",
            email="c@parley.example",
            phone="+18005550199",
            street="1 Platform Way",
            city="Raleigh",
            state="NC",
            postal_code="27601",
            country="US",
            vertical="TECHNOLOGY",
            is_main=True,
        )
    )

    assert _submit(tenant_api).status_code == 201
    assert [b.id for b in _brands(emulator) if b.is_main] == [earlier.brand_id]
    assert ComplianceAccount.objects.get().main_brand_id == earlier.brand_id


def test_without_the_platforms_identity_no_brand_is_submitted(provisioned, tenant_api, settings):
    settings.COMPLIANCE_PLATFORM_BRAND = {**settings.COMPLIANCE_PLATFORM_BRAND, "ein": ""}
    refused = _submit(tenant_api)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "platform_brand_not_configured"
    assert "COMPLIANCE_PLATFORM_EIN" in error["message"]
    assert not Brand.objects.exists()
    assert _brands(provisioned.emulator) == []


def test_staff_see_the_main_brand_and_can_read_its_state(provisioned, tenant_api, admin_user):
    assert _submit(tenant_api).status_code == 201
    account = ComplianceAccount.objects.get()
    decide_brand(provisioned.url, account.main_brand_id, status="VERIFIED")
    staff = Client()
    staff.force_login(admin_user)
    listing = staff.get("/admin/compliance/complianceaccount/")
    assert listing.status_code == 200
    assert account.main_brand_id in listing.content.decode()
    done = staff.post(
        "/admin/compliance/complianceaccount/",
        {"action": "refresh_main_brand", "_selected_action": [account.pk]},
        follow=True,
    )
    assert done.status_code == 200
    account.refresh_from_db()
    assert account.main_brand_status == "verified"


def test_production_warns_while_the_platforms_identity_is_missing(settings):
    from compliance.checks import platform_brand_configured

    settings.PRODUCTION = True
    settings.COMPLIANCE_PLATFORM_BRAND = {
        **settings.COMPLIANCE_PLATFORM_BRAND,
        "legal_name": "",
        "ein": "",
    }
    warnings = platform_brand_configured(None)
    assert [w.id for w in warnings] == ["compliance.W001"]
    assert "COMPLIANCE_PLATFORM_LEGAL_NAME" in warnings[0].msg
    assert "COMPLIANCE_PLATFORM_EIN" in warnings[0].msg
    settings.PRODUCTION = False
    assert platform_brand_configured(None) == []
