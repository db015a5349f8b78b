"""The issue's acceptance, end to end over HTTP: Parley's API, the emulator on loopback, a real
Celery worker, the emulator's notifications and webhooks coming back to the live server."""

from __future__ import annotations

from numbers.models import PhoneNumber

import pytest

from bandwidth.client.emulator_sim import decide_campaign, decide_toll_free
from compliance.models import LineTypeLookup, TollFreeVerification
from integrations.models import Event as OutboxEvent
from integrations.services import webhook_endpoint_create
from messaging.models import Message
from usage.selectors import usage_month_used

from ..conftest import wait_until
from .conftest import CAMPAIGN, PROFILE, reconcile

pytestmark = pytest.mark.django_db(transaction=True)

TOLL_FREE_REQUEST = {
    "use_case": "Customer Care",
    "use_case_summary": "Replies to customers who text us about their appointments.",
    "sample_message": "Acme Plumbing: your plumber arrives at 10am tomorrow.",
    "opt_in_description": "Customers text us first from the number on our website.",
    "message_volume": 1000,
}


def _buy(client, **query):
    offers = client.get("/api/v1/numbers/available", query).json()["results"]
    response = client.post("/api/v1/numbers/", {"numbers": [offers[0]["number"]]}, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["numbers"][0]["id"]
    wait_until(lambda: PhoneNumber.objects.get(pk=pk).status == "active")
    return PhoneNumber.objects.get(pk=pk)


def _send(client, number, to="+19195550123", **extra):
    return client.post(
        "/api/v1/messages/", {"from": number, "to": [to], "text": "Hello", **extra}, format="json"
    )


COMPLIANCE_EVENTS = [
    "brand.status_changed",
    "campaign.status_changed",
    "toll_free_verification.status_changed",
]


def _listen(*tenants):
    """Each tenant's endpoint hears every compliance state change (the outbox records them)."""
    for tenant in tenants:
        webhook_endpoint_create(
            tenant=tenant, url="http://127.0.0.1:9/hooks", event_types=COMPLIANCE_EVENTS
        )


def _heard(tenant, event_type):
    return [
        e.payload["data"]
        for e in OutboxEvent.objects.filter(tenant=tenant, type=event_type).order_by("pk")
    ]


def _delivered(pk):
    wait_until(lambda: Message.objects.get(pk=pk).status == "delivered")
    return True


def test_a_new_tenant_registers_and_its_919_number_becomes_ready_by_itself(
    provisioned, celery_worker, tenant_api, other_api, tenant, other_tenant
):
    emulator = provisioned.emulator
    _listen(tenant, other_tenant)
    assert tenant_api.put("/api/v1/compliance/profile/", PROFILE, format="json").status_code == 200
    brand = tenant_api.post("/api/v1/compliance/brand/").json()
    assert brand["status"] == "pending"
    from bandwidth.client.emulator_sim import decide_brand

    decide_brand(provisioned.url, brand["bandwidth_brand_id"], status="VERIFIED")
    reconcile()
    assert tenant_api.get("/api/v1/compliance/brand/").json()["status"] == "verified"
    campaign = tenant_api.post("/api/v1/compliance/campaigns/", CAMPAIGN, format="json").json()
    assert campaign["status"] == "pending"
    assert set(campaign["carrier_statuses"].values()) == {"REVIEW"}

    number = _buy(tenant_api, area_code="919")
    listed = tenant_api.get("/api/v1/numbers/").json()
    row = next(r for r in listed.get("results", listed) if r["id"] == number.pk)
    assert row["messaging_status"] == "pending"
    assert "approve the campaign" in row["messaging_status_reason"]
    refused = _send(tenant_api, number.number)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "number_not_ready"
    assert not emulator.state.messages and not Message.objects.exists()

    decide_campaign(provisioned.url, campaign["bandwidth_campaign_id"], status="APPROVED")
    reconcile()
    wait_until(lambda: PhoneNumber.objects.get(pk=number.pk).messaging_status == "ready")
    assert emulator.state.campaign_of_number[number.number] == campaign["bandwidth_campaign_id"]
    sent = _send(tenant_api, number.number)
    assert sent.status_code == 202, sent.content
    assert _delivered(sent.json()["id"])

    assert other_api.get(f"/api/v1/compliance/campaigns/{campaign['id']}/").status_code == 404
    assert other_api.get("/api/v1/compliance/brand/").status_code == 404
    assert other_api.get("/api/v1/compliance/profile/").json()["legal_name"] == ""

    # Integrators heard each state change once, in order; the other tenant heard nothing.
    brand_events = _heard(tenant, "brand.status_changed")
    assert [(e["previous_status"], e["status"]) for e in brand_events] == [
        (None, "pending"),
        ("pending", "verified"),
    ]
    assert {e["brand_id"] for e in brand_events} == {brand["bandwidth_brand_id"]}
    campaign_events = _heard(tenant, "campaign.status_changed")
    assert [(e["previous_status"], e["status"]) for e in campaign_events] == [
        (None, "pending"),
        ("pending", "approved"),
    ]
    assert campaign_events[0]["campaign_id"] == campaign["id"]
    assert set(campaign_events[0]["carrier_statuses"].values()) == {"REVIEW"}
    assert set(campaign_events[1]["carrier_statuses"].values()) == {"APPROVED"}
    assert not OutboxEvent.objects.filter(tenant=other_tenant).exists()


def test_a_toll_free_number_texts_only_once_verified_and_a_denial_can_be_resubmitted(
    provisioned, celery_worker, tenant_api, other_api, tenant, other_tenant
):
    _listen(tenant, other_tenant)
    tenant_api.put("/api/v1/compliance/profile/", PROFILE, format="json")
    number = _buy(tenant_api, toll_free="8**")
    assert number.kind == "toll_free"
    number.refresh_from_db()
    assert number.messaging_status == "blocked"
    assert _send(tenant_api, number.number).json()["error"]["code"] == "number_not_ready"

    created = tenant_api.post(
        "/api/v1/compliance/toll-free-verifications/",
        {"numbers": [number.number], **TOLL_FREE_REQUEST},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    number.refresh_from_db()
    assert number.messaging_status == "pending"
    assert _send(tenant_api, number.number).status_code == 409

    decide_toll_free(provisioned.url, number.number, status="DENIED", denial_code=511)
    wait_until(lambda: TollFreeVerification.objects.get(pk=pk).status == "denied")
    shown = tenant_api.get(f"/api/v1/compliance/toll-free-verifications/{pk}/").json()
    assert shown["denial_code"] == 511 and "Website is not accessible" in shown["denial_reason"]
    assert shown["can_resubmit"] and shown["resubmit_deadline"]
    number.refresh_from_db()
    assert number.messaging_status == "blocked" and "511" in number.messaging_status_reason
    assert other_api.get(f"/api/v1/compliance/toll-free-verifications/{pk}/").status_code == 404

    resubmitted = tenant_api.post(
        f"/api/v1/compliance/toll-free-verifications/{pk}/resubmit/",
        {"use_case_summary": "Replies to customers; our website is https://acme.example.com."},
        format="json",
    )
    assert resubmitted.status_code == 202, resubmitted.content
    assert resubmitted.json()["status"] == "pending"
    decide_toll_free(provisioned.url, number.number, status="VERIFIED")
    wait_until(lambda: PhoneNumber.objects.get(pk=number.pk).messaging_status == "ready")
    sent = _send(tenant_api, number.number)
    assert sent.status_code == 202
    assert _delivered(sent.json()["id"])

    heard = _heard(tenant, "toll_free_verification.status_changed")
    assert [(e["previous_status"], e["status"]) for e in heard] == [
        (None, "pending"),
        ("pending", "denied"),
        ("denied", "pending"),
        ("pending", "verified"),
    ]
    assert {e["verification_id"] for e in heard} == {pk}
    assert heard[0]["numbers"] == [number.number]
    denied = heard[1]
    assert denied["denial_code"] == 511 and "Website is not accessible" in denied["denial_reason"]
    assert denied["resubmit_allowed"] and denied["resubmit_deadline"]
    assert heard[3]["denial_code"] is None and heard[3]["resubmit_deadline"] is None
    assert not OutboxEvent.objects.filter(tenant=other_tenant).exists()


def test_a_landline_is_refused_as_not_textable_and_a_call_to_it_works(
    line, tenant_api, other_api, celery_worker
):
    refused = _send(tenant_api, line.e164, to="+19195550100")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "recipient_not_textable"
    assert "landline" in refused.json()["error"]["message"]
    deactivated = _send(tenant_api, line.e164, to="+19845550101")
    assert deactivated.json()["error"]["code"] == "recipient_not_textable"
    assert not Message.objects.exists()
    # What the refused sends learned is kept (and billed) once: trying again asks no one.
    kept = LineTypeLookup.objects.filter(tenant=line.tenant).order_by("number")
    assert [(r.number, r.line_type, r.deactivated) for r in kept] == [
        ("+19195550100", "FIXED", False),
        ("+19845550101", kept[1].line_type, True),
    ]
    assert _send(tenant_api, line.e164, to="+19195550100").status_code == 409
    assert usage_month_used(tenant=line.tenant, metrics=("lookups",)) == 2

    call = tenant_api.post(
        "/api/v1/calls/",
        {"from": line.e164, "to": "+19195550100", "agent": "+19195550111"},
        format="json",
    )
    assert call.status_code == 202, call.content
    pk = call.data["id"]
    wait_until(lambda: tenant_api.get(f"/api/v1/calls/{pk}/").data["status"] == "completed")

    overridden = _send(tenant_api, line.e164, to="+19195550100", allow_not_textable=True)
    assert overridden.status_code == 202


def test_bandwidths_4773_on_a_send_marks_the_number_not_ready(
    line, tenant_api, celery_worker, bandwidth
):
    webhook_endpoint_create(
        tenant=line.tenant,
        url="http://127.0.0.1:9/hooks",
        event_types=["number.messaging_status_changed"],
    )
    bandwidth.emulator.state.campaign_of_number.pop(line.e164)
    sent = _send(tenant_api, line.e164)
    assert sent.status_code == 202
    wait_until(lambda: Message.objects.get(pk=sent.json()["id"]).status == "failed")
    assert Message.objects.get(pk=sent.json()["id"]).error_code == 4773
    number = PhoneNumber.objects.get(pk=line.number.pk)
    assert number.messaging_status == "blocked"
    assert "campaign is not active" in number.messaging_status_reason
    assert _send(tenant_api, line.e164).json()["error"]["code"] == "number_not_ready"
    # Integrators hear of it once, with the reason and what to do.
    events = OutboxEvent.objects.filter(type="number.messaging_status_changed")
    assert [e.payload["data"]["messaging_status"] for e in events] == ["blocked"]
    data = events.get().payload["data"]
    assert (data["number_id"], data["number"]) == (line.number.pk, line.e164)
    assert data["reason"] == number.messaging_status_reason and "Trust" in data["action"]
