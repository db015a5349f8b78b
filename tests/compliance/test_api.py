"""The compliance API: bad input names the field and writes nothing, two tenants never see each
other's rows, the toll-free webhook refuses forged signatures, numbers bought after approval are
assigned by themselves, the tenant's best-effort policy, and line-type lookups cached 30 days."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from numbers.models import PhoneNumber

import pytest
from django.test import Client
from django.utils import timezone

from compliance import services
from compliance.models import (
    AssignedNumber,
    Brand,
    BusinessProfile,
    Campaign,
    ComplianceNotification,
    LineTypeLookup,
    TollFreeVerification,
)
from messaging.models import Message
from usage.models import UsageCounter

from ..conftest import wait_until
from .conftest import CAMPAIGN, PROFILE
from .test_acceptance import TOLL_FREE_REQUEST, _buy, _send


def _error(response):
    body = response.json()["error"]
    return body["code"], sorted(body["fields"])


@pytest.mark.django_db
def test_profile_bad_input_names_the_field_and_writes_nothing(tenant_api, other_api):
    for change, field in [
        ({"registration_number": "12-34"}, "registration_number"),
        ({"website": "acme dot com"}, "website"),
        ({"contact_email": "ada@"}, "contact_email"),
        ({"entity_type": "LLC"}, "entity_type"),
        ({"vertical": "PLUMBING"}, "vertical"),
        ({"legal_name": "A" * 256}, "legal_name"),
    ]:
        response = tenant_api.put(
            "/api/v1/compliance/profile/", {**PROFILE, **change}, format="json"
        )
        assert response.status_code == 400, change
        assert _error(response)[1] == [field]
    assert not BusinessProfile.objects.exists()
    saved = tenant_api.put("/api/v1/compliance/profile/", PROFILE, format="json").json()
    assert saved["missing_for_brand"] == [] and saved["registration_number"] == "12-3456789"
    assert other_api.get("/api/v1/compliance/profile/").json()["missing_for_brand"]


@pytest.mark.django_db(transaction=True)
def test_brand_needs_the_ein_and_a_campaign_needs_long_enough_samples(
    provisioned, tenant_api, register
):
    profile = {k: v for k, v in PROFILE.items() if k != "registration_number"}
    tenant_api.put("/api/v1/compliance/profile/", profile, format="json")
    missing = tenant_api.post("/api/v1/compliance/brand/")
    assert missing.status_code == 400 and _error(missing) == ("invalid", ["registration_number"])
    assert not Brand.objects.exists()
    assert not provisioned.emulator.state.brands

    register(tenant_api, provisioned)
    short = tenant_api.post(
        "/api/v1/compliance/campaigns/", {**CAMPAIGN, "samples": ["Hi there"]}, format="json"
    )
    assert short.status_code == 400 and _error(short)[1] == ["samples"]
    assert "20 characters" in short.json()["error"]["message"]
    assert Campaign.objects.count() == 1
    assert len(provisioned.emulator.state.campaigns) == 1


@pytest.mark.django_db(transaction=True)
def test_more_than_ten_toll_free_numbers_are_refused(provisioned, tenant_api):
    tenant_api.put("/api/v1/compliance/profile/", PROFILE, format="json")
    eleven = [f"+1833555{n:04d}" for n in range(2000, 2011)]
    response = tenant_api.post(
        "/api/v1/compliance/toll-free-verifications/",
        {"numbers": eleven, **TOLL_FREE_REQUEST},
        format="json",
    )
    assert response.status_code == 400 and _error(response)[1] == ["numbers"]
    assert not TollFreeVerification.objects.exists()
    assert not provisioned.emulator.state.toll_free


@pytest.mark.django_db(transaction=True)
def test_a_forged_toll_free_webhook_is_refused_and_changes_nothing(
    provisioned, celery_worker, tenant_api
):
    tenant_api.put("/api/v1/compliance/profile/", PROFILE, format="json")
    number = _buy(tenant_api, toll_free="8**")
    created = tenant_api.post(
        "/api/v1/compliance/toll-free-verifications/",
        {"numbers": [number.number], **TOLL_FREE_REQUEST},
        format="json",
    ).json()
    body = json.dumps(
        {"accountId": "9900000", "phoneNumber": number.number, "status": "VERIFIED"}
    ).encode()
    url = "/webhooks/bandwidth/compliance/toll-free/"
    forged = hmac.new(b"not the shared secret", body, hashlib.sha256).hexdigest()
    for headers in ({}, {"HTTP_X_BANDWIDTH_SIGNATURE_HMAC_SHA256": forged}):
        response = Client().post(url, body, content_type="application/json", **headers)
        assert response.status_code == 403
    assert TollFreeVerification.objects.get(pk=created["id"]).status == "pending"
    assert not ComplianceNotification.objects.exists()
    assert PhoneNumber.objects.get(pk=number.pk).messaging_status == "pending"

    secret = services.toll_free_signing_secrets()[0]
    signed = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    response = Client().post(
        url, body, content_type="application/json", HTTP_X_BANDWIDTH_SIGNATURE_HMAC_SHA256=signed
    )
    assert response.status_code == 204
    assert TollFreeVerification.objects.get(pk=created["id"]).status == "verified"


@pytest.mark.django_db(transaction=True)
def test_a_number_bought_after_approval_is_assigned_and_ready_by_itself(
    provisioned, celery_worker, tenant_api, other_api, register
):
    campaign = register(tenant_api, provisioned)
    number = _buy(tenant_api, area_code="919")
    wait_until(lambda: PhoneNumber.objects.get(pk=number.pk).messaging_status == "ready")
    assert provisioned.emulator.state.campaign_of_number[number.number] == (
        campaign.bandwidth_campaign_id
    )
    listed = other_api.get("/api/v1/compliance/campaigns/").json()
    assert listed.get("results", listed) == []
    mine = tenant_api.get("/api/v1/compliance/campaigns/").json()
    assert [c["id"] for c in mine.get("results", mine)] == [campaign.pk]

    provisioned.emulator.config.disconnect_complete_delay = 1.0
    assert tenant_api.delete(f"/api/v1/numbers/{number.pk}/").status_code in (200, 202, 204)
    wait_until(lambda: PhoneNumber.objects.get(pk=number.pk).status == "released")
    assert not AssignedNumber.objects.filter(number=number.number).exists()
    assert number.number not in provisioned.emulator.state.campaign_of_number


@pytest.mark.django_db(transaction=True)
def test_the_best_effort_policy_lets_local_numbers_send_but_never_toll_free(
    provisioned, celery_worker, tenant_api
):
    tenant_api.put(
        "/api/v1/compliance/profile/",
        {**PROFILE, "allow_unregistered_10dlc": True},
        format="json",
    )
    local = _buy(tenant_api, area_code="919")
    toll_free = _buy(tenant_api, toll_free="8**")
    sent = _send(tenant_api, local.number)
    assert sent.status_code == 202
    # The strict emulator refuses unregistered 10DLC traffic, as carriers may.
    wait_until(lambda: Message.objects.get(pk=sent.json()["id"]).status == "failed")
    assert Message.objects.get(pk=sent.json()["id"]).error_code == 4773
    assert _send(tenant_api, toll_free.number).json()["error"]["code"] == "number_not_ready"


@pytest.mark.django_db(transaction=True)
def test_line_types_are_looked_up_once_and_again_after_30_days(line, tenant_api, bandwidth):
    assert _send(tenant_api, line.e164, to="+19195550123").status_code == 202
    lookup = LineTypeLookup.objects.get(number="+19195550123")
    assert (lookup.line_type, lookup.tenant_id) == ("MOBILE", line.tenant.pk)
    first = lookup.looked_up_at
    assert _send(tenant_api, line.e164, to="+19195550123").status_code == 202
    assert LineTypeLookup.objects.get(pk=lookup.pk).looked_up_at == first
    LineTypeLookup.objects.filter(pk=lookup.pk).update(
        looked_up_at=timezone.now() - timedelta(days=31)
    )
    assert _send(tenant_api, line.e164, to="+19195550123").status_code == 202
    assert LineTypeLookup.objects.get(pk=lookup.pk).looked_up_at > first
    counted = UsageCounter.objects.filter(tenant=line.tenant, metric="lookups")
    assert sum(c.quantity for c in counted) == 2, "two lookups reached Bandwidth; one was cached"


@pytest.mark.django_db
def test_the_openapi_schema_lists_the_compliance_endpoints(tenant_api):
    schema = tenant_api.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"] if schema.content.startswith(b"{") else None
    text = schema.content.decode()
    for path in (
        "/api/v1/compliance/profile/",
        "/api/v1/compliance/brand/",
        "/api/v1/compliance/campaigns/",
        "/api/v1/compliance/campaigns/{id}/",
        "/api/v1/compliance/toll-free-verifications/",
        "/api/v1/compliance/toll-free-verifications/{id}/",
    ):
        assert path in (paths or text)
    assert "messaging_status" in text
