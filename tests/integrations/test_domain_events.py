"""The other domain events, from the real flows over HTTP: calls, voicemail, numbers bought and
released, a conversation assigned. Each is fetched back through the API by the ids it carries."""

from __future__ import annotations

import pytest
from standardwebhooks import Webhook

from ..conftest import wait_until
from ..numbers.conftest import buy, search, wait_for_status
from ..voice.test_acceptance import IVR_FORM
from .conftest import of_type

pytestmark = pytest.mark.django_db(transaction=True)


def _verified(request, secret: str) -> dict:
    headers = {k.lower(): v for k, v in request.headers.items()}
    return Webhook(secret).verify(request.body, headers)


def test_an_inbound_call_to_voicemail_reports_the_call_and_the_transcribed_voicemail(
    line, owner, login, settings, bandwidth, celery_worker, receiver, make_endpoint, tenant_api
):
    settings.BANDWIDTH_EMULATOR_URL = bandwidth.url
    _, secret = make_endpoint(
        line.tenant,
        receiver.url + "/hooks",
        ["call.started", "call.completed", "voicemail.created"],
    )
    client = login(owner)
    assert client.post(f"/calls/routes/{line.number.pk}/", IVR_FORM).status_code == 302
    tried = client.post(
        f"/calls/routes/{line.number.pk}/try/",
        {"digits": "2", "speech": "My boiler is leaking, please call."},
    )
    assert tried.status_code == 302
    [started] = receiver.wait_for(of_type("call.started"), timeout=30)
    [completed] = receiver.wait_for(of_type("call.completed"), timeout=30)
    [voicemail] = receiver.wait_for(of_type("voicemail.created"), timeout=30)
    started, completed, voicemail = (
        _verified(r, secret)["data"] for r in (started, completed, voicemail)
    )
    assert started["direction"] == "inbound" and started["our_number"] == line.e164
    assert completed["call_id"] == started["call_id"]
    assert completed["outcome"] == "no-answer" and completed["duration_seconds"] >= 0
    assert voicemail["call_id"] == started["call_id"]
    assert voicemail["transcription"] == "My boiler is leaking, please call."
    assert voicemail["transcription_status"] == "available"
    assert tenant_api.get(f"/api/v1/calls/{started['call_id']}/").status_code == 200
    assert tenant_api.get(f"/api/v1/voicemails/{voicemail['voicemail_id']}/").status_code == 200


def test_click_to_call_reports_started_then_completed(
    line, tenant_api, celery_worker, receiver, make_endpoint
):
    _, secret = make_endpoint(
        line.tenant, receiver.url + "/hooks", ["call.started", "call.completed"]
    )
    response = tenant_api.post(
        "/api/v1/calls/",
        {"from": line.e164, "to": "+19195558800", "agent": "+19195550111"},
        format="json",
    )
    assert response.status_code == 202
    [started] = receiver.wait_for(of_type("call.started"), timeout=30)
    [completed] = receiver.wait_for(of_type("call.completed"), timeout=30)
    started, completed = _verified(started, secret)["data"], _verified(completed, secret)["data"]
    assert started["call_id"] == completed["call_id"] == response.data["id"]
    assert started["direction"] == "outbound" and completed["outcome"] == "completed"


def test_numbers_bought_and_released_are_reported(
    ready, tenant, tenant_api, celery_worker, receiver, make_endpoint
):
    _, secret = make_endpoint(
        tenant, receiver.url + "/hooks", ["number.activated", "number.released"]
    )
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    pk = buy(tenant_api, [number])[0]["id"]
    wait_for_status(pk, "active")
    [activated] = receiver.wait_for(of_type("number.activated"), timeout=30)
    assert _verified(activated, secret)["data"]["number_id"] == pk
    assert tenant_api.delete(f"/api/v1/numbers/{pk}/").status_code == 202
    wait_for_status(pk, "released")
    [released] = receiver.wait_for(of_type("number.released"), timeout=30)
    data = _verified(released, secret)["data"]
    assert data["number"] == number and data["released_at"]


def test_assigning_a_conversation_is_reported(
    line, owner, agent, tenant_api, celery_worker, receiver, make_endpoint
):
    from messaging import services as messaging_services

    _, secret = make_endpoint(line.tenant, receiver.url + "/hooks", ["conversation.assigned"])
    message = messaging_services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text="Hello"
    ).message
    conversation = message.conversation_id
    response = tenant_api.patch(
        f"/api/v1/conversations/{conversation}/", {"assignee": agent.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    [assigned] = receiver.wait_for(of_type("conversation.assigned"), timeout=15)
    data = _verified(assigned, secret)["data"]
    assert data == {
        "conversation_id": conversation,
        "assignee_membership_id": agent.pk,
        "assignee_email": agent.user.email,
    }
    wait_until(lambda: len(receiver.requests) == 1)


def test_a_failed_send_reports_failed_with_the_reason(
    line, bandwidth, celery_worker, receiver, make_endpoint
):
    from messaging import services as messaging_services

    _, secret = make_endpoint(line.tenant, receiver.url + "/hooks", ["message.status_changed"])
    message = messaging_services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195554720"], text="Hi"
    ).message
    requests_seen = receiver.wait_for(of_type("message.status_changed"), timeout=15, count=2)
    by_status = {d["status"]: d for d in (_verified(r, secret)["data"] for r in requests_seen)}
    assert set(by_status) == {"sent", "failed"}
    failed = by_status["failed"]
    assert failed["message_id"] == message.pk and failed["error_code"] == 4720
    assert "cannot receive texts" in failed["reason"]


def test_opting_out_and_back_in_are_reported(tenant, celery_worker, receiver, make_endpoint):
    from messaging import services as messaging_services

    _, secret = make_endpoint(
        tenant, receiver.url + "/hooks", ["contact.opted_out", "contact.opted_in"]
    )
    messaging_services.contact_opt_out(tenant=tenant, number="+19195550123", source="agent")
    receiver.wait_for(of_type("contact.opted_out"))
    messaging_services.contact_opt_in(
        tenant=tenant, number="+19195550123", source="keyword", keyword="START"
    )
    [opted_in] = receiver.wait_for(of_type("contact.opted_in"))
    data = _verified(opted_in, secret)["data"]
    assert data["number"] == "+19195550123" and data["keyword"] == "START"
    assert data["source"] == "keyword"
