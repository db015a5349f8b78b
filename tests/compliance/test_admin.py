"""Staff see every tenant's registration and its states, refresh it, ask for a revet and read
the raw notifications; bulk lookups (imports) fill the line-type cache."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from bandwidth.client.emulator_sim import decide_brand
from compliance import services
from compliance.models import Brand, ComplianceNotification, LineTypeLookup

from ..conftest import wait_until
from .conftest import PROFILE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-1")
    client.force_login(user)
    return client


def test_staff_see_both_tenants_brands_refresh_and_revet_them(
    provisioned, staff_client, tenant, other_tenant, tenant_api, other_api
):
    for api in (tenant_api, other_api):
        api.put("/api/v1/compliance/profile/", PROFILE, format="json")
        assert api.post("/api/v1/compliance/brand/").status_code == 201
    listing = staff_client.get("/admin/compliance/brand/").content.decode()
    for brand in Brand.objects.all():
        assert brand.bandwidth_brand_id in listing
    mine = Brand.objects.get(tenant=tenant)
    decide_brand(provisioned.url, mine.bandwidth_brand_id, status="UNVERIFIED")
    staff_client.post(
        "/admin/compliance/brand/",
        {"action": "refresh", "_selected_action": [mine.pk]},
    )
    mine.refresh_from_db()
    assert mine.status == "unverified" and "request a new review" in mine.status_detail
    staff_client.post(
        "/admin/compliance/brand/", {"action": "revet", "_selected_action": [mine.pk]}
    )
    mine.refresh_from_db()
    assert mine.status == "pending"
    assert provisioned.emulator.state.brands[mine.bandwidth_brand_id].identity_status == "PENDING"
    assert Brand.objects.get(tenant=other_tenant).status == "pending"


def test_staff_read_the_raw_notifications(provisioned, staff_client, tenant):
    services.tnoptions_notification_record(
        body="<Notification><OrderType>tnoptions</OrderType></Notification>",
        order_id="nope",
        customer_order_id="nope",
    )
    row = ComplianceNotification.objects.get()
    assert row.outcome == "unknown order"
    page = staff_client.get(f"/admin/compliance/compliancenotification/{row.pk}/change/")
    assert page.status_code == 200 and "tnoptions" in page.content.decode()


def test_a_bulk_lookup_for_an_import_fills_the_cache(
    bandwidth, celery_worker, tenant, other_tenant
):
    numbers = ["+19195550100", "+19195550123"]
    assert services.line_types_bulk_start(tenant=tenant, numbers=numbers)
    wait_until(lambda: LineTypeLookup.objects.filter(tenant=tenant).count() == 2)
    found = dict(LineTypeLookup.objects.filter(tenant=tenant).values_list("number", "line_type"))
    assert found == {"+19195550100": "FIXED", "+19195550123": "MOBILE"}
    assert not LineTypeLookup.objects.filter(tenant=other_tenant).exists()
    assert services.line_types_bulk_start(tenant=tenant, numbers=numbers) == []


def test_a_bulk_lookup_past_bandwidths_limit_is_split_and_skips_what_is_cached(bandwidth, tenant):
    numbers = [f"+1919{n:07d}" for n in range(15_002)]
    LineTypeLookup.objects.create(tenant=tenant, number=numbers[7], line_type="MOBILE")
    started = services.line_types_bulk_start(tenant=tenant, numbers=numbers)
    bulks = bandwidth.emulator.state.bulk_lookups
    assert sorted(bulks) == sorted(started) and len(started) == 2
    sizes = sorted(len(bulks[request_id].numbers) for request_id in started)
    assert sizes == [1, 15_000]  # Bandwidth takes at most 15,000 numbers a request
    asked = [n for request_id in started for n in bulks[request_id].numbers]
    assert sorted(asked) == sorted(n for n in numbers if n != numbers[7])
