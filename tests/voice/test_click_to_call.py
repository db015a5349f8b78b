"""Click-to-call: Parley rings the agent, then transfers to the customer with the tenant number."""

from __future__ import annotations

import re

import pytest
import requests

from voice.models import Call

from ..conftest import wait_until
from .conftest import AGENT, BUSY, NO_ANSWER

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = "+19195558800"


def _final(pk: int, timeout: float = 20.0) -> Call:
    return wait_until(lambda: (call := Call.objects.get(pk=pk)).is_final and call, timeout=timeout)


def _place(tenant_api, line, to=CUSTOMER, agent=AGENT, **headers):
    body = {"from": line.e164, "to": to, "agent": agent}
    return tenant_api.post("/api/v1/calls/", body, format="json", **headers)


def test_answered_click_to_call_ends_completed(line, tenant_api, celery_worker, caller):
    response = _place(tenant_api, line)
    assert response.status_code == 202, response.content
    assert response.data["status"] == "queued"
    call = _final(response.data["id"])
    assert call.status == Call.Status.COMPLETED
    assert call.transfer_outcome == "hangup"
    assert call.answered_at is not None and call.ended_at is not None
    detail = tenant_api.get(f"/api/v1/calls/{call.pk}/")
    assert detail.data["status"] == "completed"
    assert detail.data["from"] == line.e164 and detail.data["to"] == CUSTOMER
    emulated = next(c for c in caller.all_calls() if c["call_id"] == call.bandwidth_call_id)
    assert emulated["to"] == AGENT and emulated["from"] == line.e164
    kinds = [(e["kind"], e["detail"]) for e in emulated["events"]]
    assert ("Transfer", CUSTOMER) in kinds
    leg = next(c for c in caller.all_calls() if c["parent_call_id"] == call.bandwidth_call_id)
    assert leg["from"] == line.e164, "the customer sees the tenant number"


def test_busy_customer_is_reported(line, tenant_api, celery_worker):
    response = _place(tenant_api, line, to=BUSY)
    call = _final(response.data["id"])
    assert call.status == Call.Status.BUSY
    assert tenant_api.get(f"/api/v1/calls/{call.pk}/").data["status"] == "busy"


def test_customer_not_answering_is_reported(line, tenant_api, celery_worker):
    call = _final(_place(tenant_api, line, to=NO_ANSWER).data["id"])
    assert call.status == Call.Status.NO_ANSWER


def test_busy_agent_is_reported(line, tenant_api, celery_worker):
    call = _final(_place(tenant_api, line, agent=BUSY).data["id"])
    assert call.status == Call.Status.BUSY
    assert call.transfer_outcome == ""


def test_agent_not_answering_is_reported(line, tenant_api, celery_worker):
    call = _final(_place(tenant_api, line, agent=NO_ANSWER).data["id"])
    assert call.status == Call.Status.NO_ANSWER


def test_rate_limited_dial_is_retried(line, tenant_api, celery_worker, bandwidth):
    fault = {"fail_next": {"count": 1, "status": 429, "retry_after": 1, "api": "voice"}}
    assert requests.post(f"{bandwidth.url}/_sim/faults", json=fault, timeout=5).ok
    call = _final(_place(tenant_api, line).data["id"], timeout=30)
    assert call.status == Call.Status.COMPLETED
    assert call.dial_attempts == 2


def test_a_dial_still_refused_at_its_horizon_fails_the_call_with_the_reason(
    line, other_line, tenant_api, celery_worker, bandwidth, settings
):
    settings.RETRY_BASE_SECONDS = 0.05
    settings.VOICE_DIAL_HORIZON_SECONDS = 2.5
    bandwidth.emulator.faults.fail_next(20, 429, retry_after=1, api="voice")
    call = _final(_place(tenant_api, line).data["id"], timeout=30)
    assert call.status == Call.Status.FAILED and call.bandwidth_call_id is None
    found = re.fullmatch(r"gave up after (\d) attempts over [\d.]+ s: 429: .+", call.error_message)
    assert found, call.error_message
    refused = 20 - len(bandwidth.emulator.faults.describe()["pending_failures"])
    assert 2 <= call.dial_attempts == int(found[1]) == refused <= 3
    assert tenant_api.get(f"/api/v1/calls/{call.pk}/").data["status"] == "failed"
    assert not Call.objects.filter(tenant=other_line.tenant).exists()


def test_agent_defaults_to_the_token_creators_phone(line, owner, make_token, api, celery_worker):
    owner.phone = AGENT
    owner.save()
    client = api(make_token(line.tenant, created_by=owner.user))
    response = client.post("/api/v1/calls/", {"from": line.e164, "to": CUSTOMER}, format="json")
    assert response.status_code == 202, response.content
    assert response.data["agent_number"] == AGENT
    assert _final(response.data["id"]).status == Call.Status.COMPLETED


def test_blocklist_refuses_and_opted_out_contacts_can_be_called(line, tenant_api, celery_worker):
    from messaging.models import Contact
    from tenants import services

    services.blocked_number_add(tenant=line.tenant, number="+19195558899", reason="abusive")
    refused = _place(tenant_api, line, to="+19195558899")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "blocked"
    Contact.objects.create(tenant=line.tenant, number=CUSTOMER, opted_out=True)
    allowed = _place(tenant_api, line)
    assert allowed.status_code == 202
    assert _final(allowed.data["id"]).status == Call.Status.COMPLETED
    assert not Call.objects.filter(other_party="+19195558899").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": "+19195550999", "to": CUSTOMER, "agent": AGENT}, "from"),
        ({"to": CUSTOMER, "agent": AGENT}, "from"),
        ({"from": "LINE", "to": "555", "agent": AGENT}, "to"),
        ({"from": "LINE", "to": CUSTOMER, "agent": "nope"}, "agent"),
        ({"from": "LINE", "to": CUSTOMER}, "agent"),
    ],
)
def test_bad_click_to_call_requests_are_refused(line, tenant_api, body, field):
    body = {key: line.e164 if value == "LINE" else value for key, value in body.items()}
    response = tenant_api.post("/api/v1/calls/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Call.objects.exists()
