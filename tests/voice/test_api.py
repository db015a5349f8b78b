"""The voice API: routes, calls, recordings and voicemails, with two tenants."""

from __future__ import annotations

from numbers.models import PhoneNumber

import pytest

from voice.models import Call, Recording, Voicemail

pytestmark = pytest.mark.django_db

MENU_ROUTE = {
    "greeting": {"kind": "speak", "text": "Hello.", "voice": "kate"},
    "hours": {"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]]},
    "action": {
        "type": "menu",
        "prompt": "Press 1 or 2.",
        "options": {
            "1": {"type": "ring_all", "numbers": ["+19195550111", "+19195550112"]},
            "2": {"type": "voicemail"},
        },
    },
    "after_hours_action": {"type": "voicemail", "greeting": "We are closed."},
}


def _number(tenant, e164):
    return PhoneNumber.objects.create(
        tenant=tenant, number=e164, status=PhoneNumber.Status.ACTIVE, capabilities=["voice"]
    )


def _call_with_voicemail(tenant, number, other="+19195557000"):
    call = Call.objects.create(
        tenant=tenant,
        phone_number=number,
        our_number=number.number,
        other_party=other,
        direction=Call.Direction.INBOUND,
        bandwidth_call_id=f"c-{tenant.slug}",
        status=Call.Status.NO_ANSWER,
    )
    recording = Recording.objects.create(
        tenant=tenant,
        call=call,
        bandwidth_recording_id=f"r-{tenant.slug}",
        duration=4.2,
        transcription_text="Please call me.",
        transcription_status="available",
    )
    voicemail = Voicemail.objects.create(tenant=tenant, call=call, recording=recording)
    return call, recording, voicemail


def test_route_get_default_and_put(tenant, other_tenant, tenant_api, other_api):
    number = _number(tenant, "+19195550101")
    got = tenant_api.get(f"/api/v1/numbers/{number.pk}/route/")
    assert got.status_code == 200
    assert got.data["config"]["action"]["type"] == "voicemail"
    put = tenant_api.put(
        f"/api/v1/numbers/{number.pk}/route/", {"config": MENU_ROUTE}, format="json"
    )
    assert put.status_code == 200, put.content
    assert put.data["config"]["action"]["options"]["1"]["timeout"] == 20
    assert tenant_api.get(f"/api/v1/numbers/{number.pk}/route/").data["config"]["hours"]["mon"]
    assert other_api.get(f"/api/v1/numbers/{number.pk}/route/").status_code == 404
    assert (
        other_api.put(
            f"/api/v1/numbers/{number.pk}/route/", {"config": MENU_ROUTE}, format="json"
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"action": {"type": "forward", "to": "5551234"}}, "action.to", "E.164"),
        ({"action": {"type": "teleport"}}, "action.type", "Must be one of"),
        (
            {"action": {"type": "ring_all", "numbers": [f"+1919555010{i}" for i in range(10)]}},
            "action.numbers",
            "At most 8",
        ),
        (
            {"action": {"type": "menu", "prompt": "Hi", "options": {"12": {"type": "hangup"}}}},
            "action.options",
            "single digit",
        ),
        (
            {"action": {"type": "menu", "prompt": "", "options": {"1": {"type": "hangup"}}}},
            "action.prompt",
            "required",
        ),
        (
            {"hours": {"mon": [["17:00", "09:00"]]}, "after_hours_action": {"type": "hangup"}},
            "hours.mon",
            "before closing",
        ),
        (
            {"hours": {"mon": [["09:00", "17:00"]]}, "after_hours_action": None},
            "after_hours_action",
            "after hours",
        ),
        ({"greeting": {"kind": "audio"}}, "greeting.audio", "Upload"),
        (
            {"greeting": {"kind": "speak", "text": "x", "voice": "hal9000"}},
            "greeting.voice",
            "Must be one of",
        ),
        ({"surprise": 1}, "surprise", "Unknown"),
    ],
)
def test_invalid_routes_are_refused_with_a_clear_error(tenant, tenant_api, change, field, words):
    number = _number(tenant, "+19195550101")
    response = tenant_api.put(
        f"/api/v1/numbers/{number.pk}/route/", {"config": MENU_ROUTE | change}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_route"
    assert field in error["fields"], error
    assert words in error["fields"][field][0]
    assert not number.route if hasattr(number, "route") else True
    assert tenant_api.get(f"/api/v1/numbers/{number.pk}/route/").data["config"]["action"] == {
        "type": "voicemail",
        "greeting": "",
    }


def test_agents_cannot_change_routes(tenant, agent, login):
    number = _number(tenant, "+19195550101")
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(agent.user)
    assert client.get(f"/api/v1/numbers/{number.pk}/route/").status_code == 200
    response = client.put(
        f"/api/v1/numbers/{number.pk}/route/", {"config": MENU_ROUTE}, format="json"
    )
    assert response.status_code == 403


def test_calls_recordings_and_voicemails_are_scoped(tenant, other_tenant, tenant_api, other_api):
    my_number = _number(tenant, "+19195550101")
    mine, _my_recording, my_voicemail = _call_with_voicemail(tenant, my_number)
    theirs, _, their_voicemail = _call_with_voicemail(
        other_tenant, _number(other_tenant, "+19195550202")
    )
    listed = tenant_api.get("/api/v1/calls/").json()
    ids = (
        [row["id"] for row in listed["results"]]
        if "results" in listed
        else [row["id"] for row in listed]
    )
    assert ids == [mine.pk]
    detail = tenant_api.get(f"/api/v1/calls/{mine.pk}/")
    assert detail.data["status"] == "no-answer" and detail.data["from"] == "+19195557000"
    assert tenant_api.get(f"/api/v1/calls/{theirs.pk}/").status_code == 404
    recordings = tenant_api.get(f"/api/v1/calls/{mine.pk}/recordings/")
    assert [r["transcription_text"] for r in recordings.data] == ["Please call me."]
    assert tenant_api.get(f"/api/v1/calls/{theirs.pk}/recordings/").status_code == 404
    voicemails = tenant_api.get("/api/v1/voicemails/").json()
    rows = voicemails.get("results", voicemails)
    assert [v["id"] for v in rows] == [my_voicemail.pk]
    assert rows[0]["recording"]["transcription_text"] == "Please call me."
    patched = tenant_api.patch(
        f"/api/v1/voicemails/{my_voicemail.pk}/", {"listened": True}, format="json"
    )
    assert patched.status_code == 200 and patched.data["listened"] is True
    assert (
        other_api.patch(
            f"/api/v1/voicemails/{my_voicemail.pk}/", {"listened": False}, format="json"
        ).status_code
        == 404
    )
    assert Voicemail.objects.get(pk=my_voicemail.pk).listened
    assert tenant_api.get(f"/api/v1/voicemails/{their_voicemail.pk}/").status_code == 404


def test_call_status_filter(tenant, tenant_api):
    number = _number(tenant, "+19195550101")
    for index, status in enumerate(["completed", "busy"]):
        Call.objects.create(
            tenant=tenant,
            phone_number=number,
            our_number=number.number,
            other_party=f"+1919555700{index}",
            direction="outbound",
            status=status,
        )
    listed = tenant_api.get("/api/v1/calls/?status=busy").json()
    rows = listed.get("results", listed)
    assert [row["status"] for row in rows] == ["busy"]


def test_click_to_call_from_another_tenants_number_is_refused(tenant, other_tenant, tenant_api):
    theirs = _number(other_tenant, "+19195550202")
    response = tenant_api.post(
        "/api/v1/calls/",
        {"from": theirs.number, "to": "+19195558800", "agent": "+19195550111"},
        format="json",
    )
    assert response.status_code == 400
    assert "from" in response.json()["error"]["fields"]


def test_read_only_tokens_cannot_place_calls(tenant, make_token, api):
    client = api(make_token(tenant, scopes=["read"]))
    response = client.post(
        "/api/v1/calls/", {"from": "+19195550101", "to": "+19195558800"}, format="json"
    )
    assert response.status_code == 403
