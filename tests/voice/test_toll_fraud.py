"""Toll fraud on calls: where a tenant may call (its outbound policy) on every path a number to
dial comes in by (the calls API, click-to-call in the UI, the agent's own phone, route saves, and
the BXML of a route saved before the rules changed), with two tenants and the emulator."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from messaging.models import Message
from tenants.models import OutboundPolicy
from tenants.services import outbound_policy_update
from voice import services
from voice.models import Call, CallRoute

from ..conftest import admin_form_post, wait_until
from .conftest import AGENT, AGENT_2, BUSY, finished_call, route

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = "+19195558800"
JAMAICA = "+18765551234"
REFUSED = [
    ("+19005551234", "US", "NANP 900 numbers are premium-rate"),
    ("+19765551234", "", "NANP 976 numbers are premium-rate"),
    (JAMAICA, "JM", "JM is not among this tenant's destination countries (CA, US)"),
    ("+882123456789", "001", "international-network numbers (+881, +882, +883) are refused"),
    ("+5351234567", "CU", "CU is not among this tenant's destination countries"),
    ("+24712345", "AC", "not a number in service"),
]


def _place(client, line, to=CUSTOMER, agent=AGENT):
    body = {"from": line.e164, "to": to, "agent": agent}
    return client.post("/api/v1/calls/", body, format="json")


def _assert_refused(response, field, number, country, reason):
    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert error["code"] == "destination_not_allowed"
    assert list(error["fields"]) == [field]
    where = f" ({country})" if country else ""
    assert error["message"].startswith(f"{number}{where} is not allowed: ")
    assert reason in error["message"]


def wait_for_final(pk: int) -> Call:
    return wait_until(lambda: (call := Call.objects.get(pk=pk)).is_final and call, timeout=20)


def _emulated_calls(caller):
    return [c for c in caller.all_calls() if not c["parent_call_id"]]


@pytest.mark.parametrize(("number", "country", "reason"), REFUSED)
def test_the_api_refuses_a_disallowed_customer_or_agent_and_writes_nothing(
    line, other_line, tenant_api, caller, number, country, reason
):
    _assert_refused(_place(tenant_api, line, to=number), "to", number, country, reason)
    _assert_refused(_place(tenant_api, line, agent=number), "agent", number, country, reason)
    assert not Call.objects.exists()
    assert _emulated_calls(caller) == []


def test_an_allowed_call_still_goes_through(line, tenant_api, caller, celery_worker):
    response = _place(tenant_api, line, to="+14165550123")  # Canada, allowed by default
    assert response.status_code == 202, response.content
    call = wait_for_final(response.json()["id"])
    assert call.status == Call.Status.COMPLETED
    legs = [c["to"] for c in caller.all_calls() if c["parent_call_id"] == call.bandwidth_call_id]
    assert legs == ["+14165550123"]


def test_staff_allow_jamaica_in_the_admin_and_only_that_tenant_may_call_it(
    line, other_line, tenant_api, other_api, client, caller, celery_worker
):
    _assert_refused(_place(tenant_api, line, to=JAMAICA), "to", JAMAICA, "JM", "JM is not among")
    staff = get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-1")
    client.force_login(staff)
    saved = admin_form_post(
        client,
        f"/admin/tenants/tenant/{line.tenant.pk}/change/",
        {"outbound_policy-0-call_countries": "us, ca, jm"},
    )
    assert saved.status_code == 302, saved.content.decode()[:3000]
    policy = OutboundPolicy.objects.get(tenant=line.tenant)
    assert policy.call_countries == ["US", "CA", "JM"]
    assert policy.text_countries == ["US", "CA"]

    response = _place(tenant_api, line, to=JAMAICA)
    assert response.status_code == 202, response.content
    call = wait_for_final(response.json()["id"])
    assert call.status == Call.Status.COMPLETED
    assert JAMAICA in [c["to"] for c in caller.all_calls()]

    _assert_refused(
        _place(other_api, other_line, to=JAMAICA), "to", JAMAICA, "JM", "JM is not among"
    )
    assert not Call.objects.filter(tenant=other_line.tenant).exists()


def test_staff_see_the_defaults_in_the_admin_and_a_bad_country_is_refused(line, client):
    staff = get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-1")
    client.force_login(staff)
    url = f"/admin/tenants/tenant/{line.tenant.pk}/change/"
    page = client.get(url).content.decode()
    assert "toll-fraud controls" in page and 'value="US, CA"' in page
    refused = admin_form_post(client, url, {"outbound_policy-0-call_countries": "US, XX"})
    assert refused.status_code == 200
    assert "XX: not region codes" in refused.content.decode()
    assert not OutboundPolicy.objects.exists()


def test_click_to_call_in_the_ui_refuses_a_premium_number(line, owner, login, caller):
    owner.phone = AGENT
    owner.save()
    client = login(owner)
    response = client.post("/calls/dial/", {"to": "+1 900 555 1234"}, follow=True)
    page = response.content.decode()
    assert "+19005551234 (US) is not allowed: NANP 900 numbers are premium-rate." in page
    assert not Call.objects.exists()
    assert _emulated_calls(caller) == []
    allowed = client.post("/calls/dial/", {"to": CUSTOMER})
    assert allowed.status_code == 302
    assert Call.objects.get().other_party == CUSTOMER


def test_the_agent_phone_is_checked_in_the_admin_and_when_calling(
    line, owner, client, make_token, api, caller
):
    staff = get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-1")
    client.force_login(staff)
    url = f"/admin/tenants/membership/{owner.pk}/change/"
    body = {"tenant": line.tenant.pk, "user": owner.user_id, "role": "owner"}
    refused = client.post(url, {**body, "phone": "+1 900 555 0111"})
    assert refused.status_code == 200
    assert "+19005550111 (US) is not allowed" in refused.content.decode()
    owner.refresh_from_db()
    assert owner.phone == ""
    assert client.post(url, {**body, "phone": "919-555-0111"}).status_code == 302

    # A phone stored before the rules said otherwise is refused when it would be rung.
    type(owner).objects.filter(pk=owner.pk).update(phone="+882123456789")
    token_client = api(make_token(line.tenant, created_by=owner.user))
    response = token_client.post(
        "/api/v1/calls/", {"from": line.e164, "to": CUSTOMER}, format="json"
    )
    _assert_refused(response, "agent", "+882123456789", "001", "international-network")
    assert not Call.objects.exists()
    assert _emulated_calls(caller) == []


def test_route_saves_refuse_a_disallowed_forward_or_ring_group_member(
    line, other_line, owner, login, tenant_api, other_api
):
    forward = route({"type": "forward", "to": "+19005551234"})
    response = tenant_api.put(
        f"/api/v1/numbers/{line.number.pk}/route/", {"config": forward}, format="json"
    )
    _assert_refused(response, "action.to", "+19005551234", "US", "NANP 900")

    ring = route({"type": "ring_all", "numbers": [AGENT, "+882123456789"]})
    response = tenant_api.put(
        f"/api/v1/numbers/{line.number.pk}/route/", {"config": ring}, format="json"
    )
    _assert_refused(response, "action.numbers[1]", "+882123456789", "001", "international")

    menu = route(
        {
            "type": "menu",
            "prompt": "Press 1.",
            "options": {"1": {"type": "ring_sequence", "numbers": [AGENT, JAMAICA]}},
        }
    )
    response = tenant_api.put(
        f"/api/v1/numbers/{line.number.pk}/route/", {"config": menu}, format="json"
    )
    _assert_refused(response, "action.options.1.numbers[1]", JAMAICA, "JM", "JM is not among")

    page = login(owner).post(
        f"/calls/routes/{line.number.pk}/",
        {"greeting_kind": "none", "main_type": "forward", "main_numbers": "+5351234567"},
    )
    assert page.status_code == 400
    html = page.content.decode()
    error = html[html.index('id="id_main_numbers-error"') :]
    assert "+5351234567 (CU) is not allowed" in error[: error.index("</p>")]
    assert "action.to" not in html
    assert not CallRoute.objects.exists()

    # The other tenant, allowed Jamaica by staff, saves the same menu.
    outbound_policy_update(tenant=other_line.tenant, call_countries=["US", "CA", "JM"])
    response = other_api.put(
        f"/api/v1/numbers/{other_line.number.pk}/route/", {"config": menu}, format="json"
    )
    assert response.status_code == 200, response.content
    assert not CallRoute.objects.filter(tenant=line.tenant).exists()


def test_a_saved_route_stops_dialling_a_number_the_rules_later_refuse(line, set_route, caller):
    outbound_policy_update(tenant=line.tenant, call_countries=["US", "CA", "JM"])
    set_route(line, route({"type": "forward", "to": JAMAICA}))
    first = caller.call(line.e164)
    assert finished_call(first).answered_by_number == JAMAICA
    assert ("Transfer", JAMAICA) in caller.events(first)

    outbound_policy_update(tenant=line.tenant, call_countries=["US", "CA"])
    second = caller.call(line.e164)
    call = finished_call(second)
    events = caller.events(second)
    assert not any(kind == "Transfer" for kind, _ in events), events
    assert any(kind == "Record" for kind, _ in events), events
    assert call.status == Call.Status.NO_ANSWER


def test_a_saved_ring_sequence_skips_the_member_the_rules_later_refuse(line, set_route, caller):
    outbound_policy_update(tenant=line.tenant, call_countries=["US", "CA", "JM"])
    set_route(line, route({"type": "ring_sequence", "numbers": [JAMAICA, AGENT_2], "timeout": 5}))
    OutboundPolicy.objects.filter(tenant=line.tenant).update(call_countries=["US"])
    call_id = caller.call(line.e164)
    call = finished_call(call_id)
    transfers = [detail for kind, detail in caller.events(call_id) if kind == "Transfer"]
    assert transfers == [AGENT_2]
    assert call.answered_by_number == AGENT_2


def test_click_to_call_refused_between_placing_and_answering_is_not_transferred(
    line, tenant_api, caller
):
    outbound_policy_update(tenant=line.tenant, call_countries=["US", "CA", "JM"])
    response = _place(tenant_api, line, to=JAMAICA)
    assert response.status_code == 202
    outbound_policy_update(tenant=line.tenant, call_countries=["US", "CA"])
    call = services.call_dial(call=Call.objects.get(pk=response.json()["id"]))
    call = wait_for_final(call.pk)
    emulated = next(c for c in caller.all_calls() if c["call_id"] == call.bandwidth_call_id)
    kinds = [(e["kind"], e["detail"]) for e in emulated["events"]]
    assert ("SpeakSentence", "Your account may not call this number. Goodbye.") in kinds
    assert not any(kind == "Transfer" for kind, _ in kinds)
    assert not [c for c in caller.all_calls() if c["parent_call_id"] == call.bandwidth_call_id]


def test_no_missed_call_text_goes_to_a_disallowed_caller(
    line, set_route, caller, celery_worker, bandwidth
):
    text = "Sorry we missed your call."
    set_route(line, route({"type": "forward", "to": BUSY}, missed_call_text=text))
    call = finished_call(caller.call(line.e164, from_=JAMAICA))
    assert call.status == Call.Status.NO_ANSWER
    wait_until(lambda: Call.objects.get(pk=call.pk).missed_text_sent)
    assert not Message.objects.filter(direction="out").exists()
    with bandwidth.emulator.state.lock:
        assert not [m for m in bandwidth.emulator.state.messages.values() if m.text == text]
