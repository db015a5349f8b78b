"""An inbound call from a blocked number: hung up at once, recorded as blocked, nobody notified;
the same number calling another tenant (which has not blocked it) rings through."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from bandwidth.bxml import Hangup, parse_bxml
from tenants import services as tenant_services
from voice.models import Call, CallEvent, Voicemail

from .conftest import CALLER, basic, route

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/webhooks/bandwidth/voice/"


def _initiate(line, call_id: str) -> dict:
    return {
        "eventType": "initiate",
        "eventTime": "2026-11-23T10:00:00.000Z",
        "accountId": "9900000",
        "applicationId": str(uuid.uuid4()),
        "from": CALLER,
        "to": line.e164,
        "direction": "inbound",
        "callId": call_id,
        "callUrl": f"https://voice.example/calls/{call_id}",
        "startTime": "2026-11-23T10:00:00.000Z",
    }


def _post(line, body: dict):
    auth = basic(line.callback_username, line.callback_password)
    return Client().post(
        URL, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=auth
    )


def test_a_blocked_caller_is_hung_up_and_recorded_not_answered(line, other_line, set_route):
    set_route(line, route({"type": "voicemail"}, missed_call_text="Sorry we missed you"))
    set_route(other_line, route({"type": "voicemail"}))
    tenant_services.blocked_number_add(tenant=line.tenant, number=CALLER, reason="spam")

    response = _post(line, _initiate(line, "c-blocked"))
    assert response.status_code == 200
    verbs = parse_bxml(response.content).verbs
    assert [type(verb) for verb in verbs] == [Hangup]
    call = Call.objects.get(bandwidth_call_id="c-blocked")
    assert call.tenant == line.tenant and call.status == Call.Status.BLOCKED
    assert call.is_final and call.steps == ["blocked"]
    assert CallEvent.objects.filter(call=call, event_type="initiate").count() == 1
    assert not Voicemail.objects.exists() and not call.missed_text_sent

    again = _post(line, _initiate(line, "c-blocked"))
    assert [type(v) for v in parse_bxml(again.content).verbs] == [Hangup]
    assert Call.objects.filter(bandwidth_call_id="c-blocked").count() == 1

    other = _post(other_line, _initiate(other_line, "c-other"))
    assert [type(v) for v in parse_bxml(other.content).verbs] != [Hangup]
    assert Call.objects.get(bandwidth_call_id="c-other").status == Call.Status.IN_PROGRESS


def test_blocked_calls_show_in_the_log_as_blocked_for_their_tenant_only(
    line, other_line, set_route, login, owner, other_owner
):
    set_route(line, route({"type": "voicemail"}))
    tenant_services.blocked_number_add(tenant=line.tenant, number=CALLER)
    _post(line, _initiate(line, "c-log"))
    call = Call.objects.get(bandwidth_call_id="c-log")
    page = login(owner).get("/calls/").content.decode()
    assert f'id="call-{call.pk}"' in page and "Blocked" in page
    assert f'id="call-{call.pk}"' not in login(other_owner).get("/calls/").content.decode()
