"""POST /webhooks/bandwidth/voice/: authentication, isolation, unowned numbers, duplicates."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bandwidth.bxml import Hangup, SpeakSentence, parse_bxml
from voice.models import Call, CallEvent

from .conftest import CALLER, basic, finished_call, route

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/webhooks/bandwidth/voice/"


def _event(event_type: str, to: str, call_id: str, **extra) -> dict:
    return {
        "eventType": event_type,
        "eventTime": "2026-11-23T10:00:00.000Z",
        "accountId": "9900000",
        "applicationId": str(uuid.uuid4()),
        "from": CALLER,
        "to": to,
        "direction": "inbound",
        "callId": call_id,
        "callUrl": f"https://voice.example/calls/{call_id}",
        "startTime": "2026-11-23T10:00:00.000Z",
        **extra,
    }


def _post(body: dict, auth: str | None = None, query: str = ""):
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return Client().post(URL + query, json.dumps(body), content_type="application/json", **headers)


def test_no_credentials_get_a_basic_challenge_never_403(line):
    response = _post(_event("initiate", line.e164, "c-1"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    wrong = _post(
        _event("initiate", line.e164, "c-1"), basic(line.callback_username, "not-the-password")
    )
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"].startswith("Basic")
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/webhooks/bandwidth/voice/",
        "/webhooks/bandwidth/messaging/",
        "/webhooks/bandwidth/numbers/",
    ],
)
def test_non_ascii_credentials_get_the_challenge_not_an_error(line, url):
    for username in ("v-1", "v-\u00b2", line.callback_username, "a-1"):
        auth = basic(username, "pässwörd-ünïcødé")
        body = json.dumps(_event("initiate", line.e164, "c-9"))
        response = Client().post(
            url, body, content_type="application/json", HTTP_AUTHORIZATION=auth
        )
        assert response.status_code == 401, (username, response.status_code)
        assert response["WWW-Authenticate"].startswith("Basic")
    assert not Call.objects.exists()


def test_another_tenants_credentials_cannot_drive_this_tenants_number(line, other_line):
    creds = basic(other_line.callback_username, other_line.callback_password)
    response = _post(_event("initiate", line.e164, "c-2"), creds)
    assert response.status_code == 401
    assert not Call.objects.exists()
    mine = _post(
        _event("initiate", line.e164, "c-3"), basic(line.callback_username, line.callback_password)
    )
    assert mine.status_code == 200
    call = Call.objects.get(bandwidth_call_id="c-3")
    assert call.tenant_id == line.tenant.id
    for query in (f"?call={call.pk}&step=main", ""):
        gather = _post(_event("disconnect", line.e164, "c-3", cause="hangup"), creds, query=query)
        assert gather.status_code == 401
    assert not Call.objects.get(pk=call.pk).is_final


def test_a_number_nobody_owns_gets_a_polite_hangup(line):
    creds = basic(line.callback_username, line.callback_password)
    response = _post(_event("initiate", "+19195550999", "c-4"), creds)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    document = parse_bxml(response.content)
    assert isinstance(document.verbs[0], SpeakSentence)
    assert isinstance(document.verbs[-1], Hangup)
    assert not Call.objects.exists()


def test_duplicate_events_change_nothing(line, set_route):
    set_route(line, route({"type": "hangup", "message": "Bye."}))
    creds = basic(line.callback_username, line.callback_password)
    first = _post(_event("initiate", line.e164, "c-5"), creds)
    again = _post(_event("initiate", line.e164, "c-5"), creds)
    assert first.content == again.content
    assert Call.objects.filter(bandwidth_call_id="c-5").count() == 1
    call = Call.objects.get(bandwidth_call_id="c-5")
    disconnect = _event(
        "disconnect", line.e164, "c-5", cause="hangup", endTime="2026-11-23T10:00:30.000Z"
    )
    assert _post(disconnect, creds).status_code == 204
    events = CallEvent.objects.filter(call=call).count()
    finished = Call.objects.get(pk=call.pk)
    assert _post(disconnect, creds).status_code == 204
    assert CallEvent.objects.filter(call=call).count() == events
    late = disconnect | {"cause": "busy", "eventTime": "2026-11-23T10:00:40.000Z"}
    assert _post(late, creds).status_code == 204
    assert CallEvent.objects.filter(call=call).count() == events + 1  # the late, different one
    after = Call.objects.get(pk=call.pk)
    assert (after.status, after.cause, after.ended_at, after.duration) == (
        finished.status,
        "hangup",
        finished.ended_at,
        30,
    )


def test_unknown_event_types_are_acknowledged(line):
    creds = basic(line.callback_username, line.callback_password)
    response = _post(_event("conferenceCreated", line.e164, "c-6"), creds)
    assert response.status_code == 204


def test_unreadable_body_is_400_after_authentication(line):
    creds = basic(line.callback_username, line.callback_password)
    response = Client().post(URL, "nope", content_type="application/json", HTTP_AUTHORIZATION=creds)
    assert response.status_code == 400


def test_two_tenants_calls_stay_apart(line, other_line, set_route, caller):
    set_route(line, route({"type": "hangup", "message": "Acme here."}))
    set_route(other_line, route({"type": "hangup", "message": "Globex here."}))
    mine = finished_call(caller.call(line.e164))
    theirs = finished_call(caller.call(other_line.e164))
    assert mine.tenant_id == line.tenant.id and theirs.tenant_id == other_line.tenant.id
    assert ("SpeakSentence", "Globex here.") in caller.events(theirs.bandwidth_call_id)
    assert ("SpeakSentence", "Acme here.") not in caller.events(theirs.bandwidth_call_id)


MENU_ROUTE = route(
    {
        "type": "menu",
        "prompt": "Press 1.",
        "options": {"1": {"type": "forward", "to": "+19195550111"}},
    }
)


def test_a_repeated_gather_gets_the_same_bxml_and_one_step(line, set_route):
    set_route(line, MENU_ROUTE)
    creds = basic(line.callback_username, line.callback_password)
    assert _post(_event("initiate", line.e164, "c-7"), creds).status_code == 200
    call = Call.objects.get(bandwidth_call_id="c-7")
    gather = _event("gather", line.e164, "c-7", digits="1", eventTime="2026-11-23T10:00:05Z")
    query = f"?call={call.pk}&step=main&attempt=1"
    first = _post(gather, creds, query=query)
    second = _post(gather, creds, query=query)
    assert first.status_code == 200 and first.content == second.content
    assert b"<Transfer" in first.content
    assert Call.objects.get(pk=call.pk).steps == ["main", "main.1"]


def test_bxml_replies_read_the_route_from_the_cache(line, set_route):
    """Once warm, initiate and gather read no route, number or credential rows."""
    set_route(line, MENU_ROUTE)
    creds = basic(line.callback_username, line.callback_password)
    _post(_event("initiate", line.e164, "c-warm"), creds)
    with CaptureQueriesContext(connection) as initiate:
        assert _post(_event("initiate", line.e164, "c-8"), creds).status_code == 200
    call = Call.objects.get(bandwidth_call_id="c-8")
    gather = _event("gather", line.e164, "c-8", digits="1")
    with CaptureQueriesContext(connection) as gathered:
        response = _post(gather, creds, query=f"?call={call.pk}&step=main&attempt=1")
    assert response.status_code == 200
    for captured in (initiate, gathered):
        tables = " ".join(query["sql"] for query in captured.captured_queries)
        for table in (
            "voice_callroute",
            "numbers_phonenumber",
            "numbers_provisioning",
            "tenants_tenant",
        ):
            assert f'"{table}"' not in tables, table
        assert len(captured.captured_queries) <= 12


def test_per_call_credentials_open_only_their_own_call(line, other_line, set_route):
    from voice.routes import callback_credentials

    set_route(line, MENU_ROUTE)
    set_route(other_line, MENU_ROUTE)
    mine_creds = basic(line.callback_username, line.callback_password)
    theirs_creds = basic(other_line.callback_username, other_line.callback_password)
    _post(_event("initiate", line.e164, "c-9"), mine_creds)
    _post(_event("initiate", other_line.e164, "c-10"), theirs_creds)
    mine = Call.objects.get(bandwidth_call_id="c-9")
    theirs = Call.objects.get(bandwidth_call_id="c-10")
    username, password = callback_credentials(mine.pk)
    reply = _post(_event("initiate", line.e164, "c-9"), mine_creds).content.decode()
    assert f'username="{username}"' in reply and f'password="{password}"' in reply
    gather = _event("gather", line.e164, "c-9", digits="1")
    ok = _post(gather, basic(username, password), query=f"?call={mine.pk}&step=main&attempt=1")
    assert ok.status_code == 200
    wrong = _post(gather, basic(username, "guess"), query=f"?call={mine.pk}&step=main")
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"].startswith("Basic")
    other = _event("gather", other_line.e164, "c-10", digits="1")
    crossed = _post(other, basic(username, password), query=f"?call={theirs.pk}&step=main")
    assert crossed.status_code == 401
    assert Call.objects.get(pk=theirs.pk).steps == ["main"]
