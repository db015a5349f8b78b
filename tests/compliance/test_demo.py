"""make run's demo tenant is registered at seeding through the emulator's /_sim endpoints; every
other tenant starts unregistered."""

from __future__ import annotations

from numbers.models import PhoneNumber

import pytest
from django.core.management import CommandError, call_command

from compliance.models import Brand, BusinessProfile, Campaign, ComplianceAccount

from ..conftest import wait_until
from .test_acceptance import _buy, _send

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_tenant_is_registered_and_its_numbers_text_at_once(
    provisioned, celery_worker, tenant, other_tenant, tenant_api, other_api, settings
):
    settings.BANDWIDTH_EMULATOR_URL = provisioned.url
    call_command("register_demo", slug=tenant.slug)
    call_command("register_demo", slug=tenant.slug)  # again (make run twice): nothing new
    assert Brand.objects.get(tenant=tenant).status == "verified"
    assert list(Campaign.objects.filter(tenant=tenant).values_list("status", flat=True)) == [
        "approved"
    ]
    assert len(provisioned.emulator.state.campaigns) == 1
    # Parley's own main brand is registered once and verified too.
    assert ComplianceAccount.objects.get().main_brand_status == "verified"
    main = [b for b in provisioned.emulator.state.brands.values() if b.is_main]
    assert len(main) == 1 and main[0].identity_status == "VERIFIED"
    number = _buy(tenant_api, area_code="919")
    wait_until(lambda: PhoneNumber.objects.get(pk=number.pk).messaging_status == "ready")
    assert _send(tenant_api, number.number).status_code == 202

    theirs = _buy(other_api, area_code="984")
    theirs.refresh_from_db()
    assert theirs.messaging_status == "blocked"
    assert "profile is incomplete" in theirs.messaging_status_reason
    assert "/trust/" in theirs.messaging_status_action
    assert not BusinessProfile.objects.filter(tenant=other_tenant).exists()


def test_registration_by_simulation_needs_the_emulator(tenant, settings):
    settings.BANDWIDTH_EMULATOR_URL = ""
    with pytest.raises(CommandError, match="needs the local emulator"):
        call_command("register_demo", slug=tenant.slug)
