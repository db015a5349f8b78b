"""One reading of phone numbers everywhere (core.phones): the inbox, the messages API, the
blocklist, click-to-call, call routes and agent phones take national input in the tenant's region
and store E.164; garbage gets a 4xx naming the field, and nothing is stored."""

from __future__ import annotations

from numbers.models import PhoneNumber

import pytest
from django.contrib.auth import get_user_model

from carrier.models import Provisioning
from messaging.models import Message
from tenants.models import BlockedNumber, Membership, Tenant
from tenants.services import outbound_policy_update
from voice.models import Call, CallRoute

from ..factories import MembershipFactory

pytestmark = pytest.mark.django_db

OUR_NUMBER = "+19195550101"
OTHER_NUMBER = "+19195550202"


def _ready(tenant: Tenant, e164: str) -> PhoneNumber:
    """The tenant provisioned (texts and calls) with one active number; nothing reaches Bandwidth
    here, since only what Parley stores is under test."""
    Provisioning.objects.create(
        tenant=tenant,
        status=Provisioning.Status.READY,
        messaging_application_id=f"msg-{tenant.slug}",
        voice_application_id=f"voice-{tenant.slug}",
    )
    return PhoneNumber.objects.create(
        tenant=tenant,
        number=e164,
        status=PhoneNumber.Status.ACTIVE,
        capabilities=["sms", "voice"],
        messaging_status=PhoneNumber.MessagingStatus.READY,
    )


def _british(tenant: Tenant) -> None:
    tenant.default_region = "GB"
    tenant.save(update_fields=["default_region"])
    outbound_policy_update(tenant=tenant, call_countries=["US", "CA", "GB"])


@pytest.fixture
def number(tenant: Tenant) -> PhoneNumber:
    return _ready(tenant, OUR_NUMBER)


@pytest.fixture
def other_number(other_tenant: Tenant) -> PhoneNumber:
    """The other tenant is in Great Britain: its national numbers are British, and staff let it
    call there."""
    _british(other_tenant)
    return _ready(other_tenant, OTHER_NUMBER)


def _error(response, field: str) -> str:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_phone_number"
    assert list(error["fields"]) == [field]
    return str(error["message"])


def test_inbox_blocklist_and_click_to_call_store_a_us_tenants_national_number_in_e164(
    number, other_number, owner, other_owner, login, tenant_api, other_api
):
    client = login(owner)

    sent = client.post(
        "/inbox/new/", {"from": "(919) 555-0101", "to": "919-555-0123", "text": "Hi"}
    )
    assert sent.status_code == 302, sent.content.decode()[:500]
    message = Message.objects.get(direction="out")
    assert message.to == ["+19195550123"] and message.from_number == OUR_NUMBER

    api_sent = tenant_api.post(
        "/api/v1/messages/", {"from": OUR_NUMBER, "to": "919-555-0123", "text": "Again"}
    )
    assert api_sent.status_code == 202, api_sent.content
    assert api_sent.json()["to"] == ["+19195550123"]

    called = tenant_api.post(
        "/api/v1/calls/",
        {"from": "919-555-0101", "to": "919-555-0123", "agent": "919 555 0111"},
        format="json",
    )
    assert called.status_code == 202, called.content
    call = Call.objects.get(pk=called.json()["id"])
    assert (call.our_number, call.other_party, call.agent_number) == (
        OUR_NUMBER,
        "+19195550123",
        "+19195550111",
    )

    assert client.post("/calls/blocklist/", {"number": "919-555-0123"}).status_code == 302
    assert BlockedNumber.objects.get(tenant=number.tenant).number == "+19195550123"
    refused = tenant_api.post(
        "/api/v1/calls/",
        {"from": OUR_NUMBER, "to": "(919) 555-0123", "agent": "+19195550111"},
        format="json",
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "blocked"

    # The British tenant reads the same digits as a British number, and its own national ones too.
    other_client = login(other_owner)
    assert other_client.post("/calls/blocklist/", {"number": "020 7946 0018"}).status_code == 302
    assert [b.number for b in BlockedNumber.objects.filter(tenant=other_number.tenant)] == [
        "+442079460018"
    ]
    assert not BlockedNumber.objects.filter(tenant=number.tenant, number="+442079460018").exists()
    british = other_api.post(
        "/api/v1/calls/", {"from": OTHER_NUMBER, "to": "07400 123456", "agent": "07400 654321"}
    )
    assert british.status_code == 202, british.content
    assert Call.objects.get(pk=british.json()["id"]).other_party == "+447400123456"
    assert Call.objects.get(pk=british.json()["id"]).tenant == other_number.tenant


def test_route_targets_are_read_in_the_tenants_region(number, other_number, tenant_api, other_api):
    route = {
        "greeting": {"kind": "none"},
        "action": {"type": "ring_all", "numbers": ["919-555-0111", "+1 (919) 555-0112"]},
    }
    saved = tenant_api.put(f"/api/v1/numbers/{number.pk}/route/", {"config": route}, format="json")
    assert saved.status_code == 200, saved.content
    assert CallRoute.objects.get(phone_number=number).config["action"]["numbers"] == [
        "+19195550111",
        "+19195550112",
    ]
    forward = {"greeting": {"kind": "none"}, "action": {"type": "forward", "to": "07400 123456"}}
    british = other_api.put(
        f"/api/v1/numbers/{other_number.pk}/route/", {"config": forward}, format="json"
    )
    assert british.status_code == 200, british.content
    assert CallRoute.objects.get(phone_number=other_number).config["action"]["to"] == (
        "+447400123456"
    )


def test_garbage_numbers_are_refused_naming_the_field_and_nothing_is_stored(
    number, owner, login, tenant_api
):
    message = _error(
        tenant_api.post(
            "/api/v1/messages/",
            {"from": OUR_NUMBER, "to": ["call bob"], "text": "x"},
            format="json",
        ),
        "to",
    )
    assert "'call bob' is not a phone number" in message
    assert "12" in _error(
        tenant_api.post("/api/v1/messages/", {"from": "12", "to": ["+19195550123"], "text": "x"}),
        "from",
    )
    assert "too short" in _error(
        tenant_api.post(
            "/api/v1/calls/",
            {"from": OUR_NUMBER, "to": "+19195550123", "agent": "12"},
            format="json",
        ),
        "agent",
    )
    assert "area code" in _error(
        tenant_api.post(
            "/api/v1/calls/", {"from": OUR_NUMBER, "to": "555-0123", "agent": "+19195550111"}
        ),
        "to",
    )
    assert "'nope'" in _error(tenant_api.post("/api/v1/opt-outs/", {"number": "nope"}), "number")

    page = login(owner).post("/calls/blocklist/", {"number": "5551234"})
    assert page.status_code == 400 and "lacks the area code" in page.content.decode()
    new = login(owner).post("/inbox/new/", {"from": OUR_NUMBER, "to": "+1 919 555", "text": "x"})
    assert new.status_code == 400 and "is not a valid phone number" in new.content.decode()

    bad_route = tenant_api.put(
        f"/api/v1/numbers/{number.pk}/route/",
        {"config": {"action": {"type": "forward", "to": "call bob"}}},
        format="json",
    )
    assert bad_route.status_code == 400
    assert list(bad_route.json()["error"]["fields"]) == ["action.to"]

    assert not Message.objects.exists()
    assert not Call.objects.exists()
    assert not BlockedNumber.objects.exists()
    assert not CallRoute.objects.exists()


def test_staff_set_an_agent_phone_in_the_tenants_region(tenant, other_tenant, client):
    _british(other_tenant)
    staff = get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-1")
    client.force_login(staff)
    agent = MembershipFactory(tenant=tenant, role=Membership.Role.AGENT)
    british = MembershipFactory(tenant=other_tenant, role=Membership.Role.AGENT)

    for membership, typed in ((agent, "919-555-0111"), (british, "07400 123456")):
        response = client.post(
            f"/admin/tenants/membership/{membership.pk}/change/",
            {
                "tenant": membership.tenant_id,
                "user": membership.user_id,
                "role": "agent",
                "phone": typed,
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    agent.refresh_from_db()
    british.refresh_from_db()
    assert (agent.phone, british.phone) == ("+19195550111", "+447400123456")

    refused = client.post(
        f"/admin/tenants/membership/{agent.pk}/change/",
        {"tenant": tenant.pk, "user": agent.user_id, "role": "agent", "phone": "phone me"},
    )
    assert refused.status_code == 200 and "is not a phone number" in refused.content.decode()
    agent.refresh_from_db()
    assert agent.phone == "+19195550111"
