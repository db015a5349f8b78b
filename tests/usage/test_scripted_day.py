"""A tenant's day over real HTTP (the API, the emulator, a worker, Bandwidth's webhooks), then its
usage: exact segments, MMS and call minutes, and nothing of the other tenant's."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from messaging.models import Message
from usage.models import Metric

from ..conftest import wait_until
from ..voice.conftest import basic

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = "+19195550123"


def _iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _voice(line, event_type: str, call_id: str, **extra) -> int:
    body = {
        "eventType": event_type,
        "eventTime": extra.pop("eventTime"),
        "accountId": "9900000",
        "applicationId": str(uuid.uuid4()),
        "from": CUSTOMER,
        "to": line.e164,
        "direction": "inbound",
        "callId": call_id,
        "callUrl": f"https://voice.example/calls/{call_id}",
        **extra,
    }
    response = Client().post(
        "/webhooks/bandwidth/voice/",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=basic(line.callback_username, line.callback_password),
    )
    return response.status_code


def _statuses(ids: list[int]) -> set[str]:
    return set(Message.objects.filter(pk__in=ids).values_list("status", flat=True))


def test_a_scripted_day_shows_exact_segments_and_minutes(
    line, other_line, celery_worker, bandwidth, tenant_api, other_api, owner, login, text_in
):
    sent = [
        tenant_api.post(
            "/api/v1/messages/",
            {"from": line.e164, "to": [CUSTOMER], "text": "Your table is ready"},
            format="json",
        ),
        tenant_api.post(
            "/api/v1/messages/",
            {"from": line.e164, "to": [CUSTOMER], "text": "Long menu " * 20},  # 200 chars
            format="json",
        ),
        tenant_api.post(
            "/api/v1/messages/",
            {
                "from": line.e164,
                "to": CUSTOMER,
                "text": "Tonight's specials",
                "media": SimpleUploadedFile("menu.png", b"\x89PNG menu", content_type="image/png"),
            },
            format="multipart",
        ),
        other_api.post(
            "/api/v1/messages/",
            {"from": other_line.e164, "to": [CUSTOMER], "text": "Globex says hi"},
            format="json",
        ),
    ]
    assert [r.status_code for r in sent] == [202, 202, 202, 202], [r.content for r in sent]
    assert [r.json()["segment_count"] for r in sent[:2]] == [1, 2]
    ids = [r.json()["id"] for r in sent]
    wait_until(lambda: _statuses(ids) == {"delivered"}, timeout=30)

    text_in(CUSTOMER, line.e164, "Thanks, on our way")
    wait_until(
        lambda: Message.objects.filter(tenant=line.tenant, direction=Message.Direction.IN).exists(),
        timeout=30,
    )

    start = timezone.now() - timedelta(seconds=61)
    end = start + timedelta(seconds=61)
    call_id = "c-scripted-day"
    initiate = {"eventTime": _iso(start), "startTime": _iso(start)}
    assert _voice(line, "initiate", call_id, **initiate) == 200
    disconnect = {
        "eventTime": _iso(end),
        "startTime": _iso(start),
        "endTime": _iso(end),
        "cause": "hangup",
    }
    assert _voice(line, "disconnect", call_id, **disconnect) == 204
    # Replayed by Bandwidth: counted once.
    assert _voice(line, "disconnect", call_id, **disconnect) == 204

    today = timezone.now().date().isoformat()
    body = tenant_api.get("/api/v1/usage/", {"from": today, "to": today}).json()
    expected = dict.fromkeys(Metric.values, 0) | {
        "sms_out_segments": 3,
        "mms_out": 1,
        "sms_in_segments": 1,
        "call_minutes_in": 2,
        "lookups": 1,  # the customer's line type, asked of Bandwidth once, then cached
    }
    assert body["results"] == [{"period": today, **expected}]
    assert body["totals"] == expected
    month = tenant_api.get("/api/v1/usage/", {"from": today, "to": today, "granularity": "month"})
    assert month.json()["results"][0]["call_minutes_in"] == 2

    other = other_api.get("/api/v1/usage/", {"from": today, "to": today}).json()
    # Its own lookup of the same customer: the line-type cache is per tenant, and so is the bill.
    assert other["totals"] == dict.fromkeys(Metric.values, 0) | {
        "sms_out_segments": 1,
        "lookups": 1,
    }

    page = login(owner).get("/usage/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="usage-call_minutes_in"><td>Call minutes, inbound</td><td>2</td>' in html
    assert 'id="usage-sms_out_segments"><td>SMS segments sent</td><td>3</td>' in html
    assert html.count('class="usage-bar"') == 60  # two charts of 30 days

    export = login(owner).get("/usage/export.csv", {"from": today, "to": today})
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert rows == [{"period": today, **{k: str(v) for k, v in expected.items()}}]
