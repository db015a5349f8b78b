"""A messaging array with malformed elements: the valid ones are stored and processed, each bad one
is kept ``rejected`` with its reason (visible and replayable in the admin), and Bandwidth gets 2xx.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from messaging import services
from messaging.models import Conversation, Message, RawEvent
from tenants.errors import ParleyError

from .conftest import drain, post_events, received, status_event

pytestmark = pytest.mark.django_db

WEBHOOK = "/webhooks/bandwidth/messaging/"


@pytest.fixture
def staff(client):
    client.force_login(
        get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-123")
    )
    return client


def without_id(event: dict[str, Any]) -> dict[str, Any]:
    del event["message"]["id"]
    return event


def mixed(wired) -> list[dict[str, Any]]:
    return [
        received(wired.e164, "+19195550123", "first", message_id="mix-1"),
        without_id(received(wired.e164, "+19195550124", "lost id")),
        received(wired.e164, "+19195550125", "third", message_id="mix-3"),
    ]


def rejected() -> RawEvent:
    return RawEvent.objects.get(outcome="rejected")


def test_a_mixed_array_stores_the_valid_elements_and_keeps_the_bad_one(client, wired, other_wired):
    body = mixed(wired)
    response = post_events(client, wired.auth, body)
    assert response.status_code == 200
    assert response.json() == {"stored": 2, "duplicates": 0, "unrouted": 0, "rejected": 1}
    assert drain() == 2
    assert sorted(Message.objects.values_list("text", flat=True)) == ["first", "third"]
    assert set(Message.objects.values_list("tenant", flat=True)) == {wired.tenant.pk}
    raw = rejected()
    assert raw.rejection_reason == "message-received.message.id is missing"
    assert raw.payload == body[1]
    assert raw.tenant == wired.tenant and raw.our_number == wired.e164
    assert raw.event_type == "message-received" and raw.recipient == wired.e164
    assert RawEvent.objects.filter(outcome="processed").count() == 2
    assert not Message.objects.filter(tenant=other_wired.tenant).exists()
    assert not Conversation.objects.filter(tenant=other_wired.tenant).exists()
    assert not RawEvent.objects.filter(tenant=other_wired.tenant).exists()


def test_the_same_mixed_array_again_changes_nothing(client, wired):
    body = mixed(wired)
    post_events(client, wired.auth, body)
    drain()
    again = post_events(client, wired.auth, body)
    assert again.status_code == 200
    assert again.json() == {"stored": 0, "duplicates": 3, "unrouted": 0, "rejected": 0}
    assert drain() == 0
    assert Message.objects.count() == 2
    assert (
        RawEvent.objects.count() == 3 and RawEvent.objects.filter(outcome="rejected").count() == 1
    )
    assert sum(Conversation.objects.values_list("unread_count", flat=True)) == 2


def test_two_different_bad_elements_are_kept_apart(client, wired):
    body = [
        without_id(received(wired.e164, "+19195550124", "one")),
        without_id(received(wired.e164, "+19195550124", "two")),
    ]
    response = post_events(client, wired.auth, body)
    assert response.json()["rejected"] == 2
    assert sorted(r.payload["message"]["text"] for r in RawEvent.objects.all()) == ["one", "two"]


def test_replay_after_a_fix_processes_the_rejected_event_once(client, wired, other_wired):
    post_events(client, wired.auth, mixed(wired))
    drain()
    raw = rejected()
    assert services.raw_event_replay(raw_event=raw) == "rejected"
    assert Message.objects.count() == 2
    raw.refresh_from_db()
    assert raw.outcome == "rejected" and raw.replayed_at is not None
    # A parser that now reads the element, simulated by the element it would read.
    payload = dict(raw.payload, message=dict(raw.payload["message"], id="mix-2"))
    RawEvent.objects.filter(pk=raw.pk).update(payload=payload)
    for _ in range(2):
        assert services.raw_event_replay(raw_event=RawEvent.objects.get(pk=raw.pk)) == "processed"
        assert Message.objects.filter(bandwidth_id="mix-2", text="lost id").count() == 1
    assert Message.objects.count() == 3
    conversation = Message.objects.get(bandwidth_id="mix-2").conversation
    assert conversation.unread_count == 1 and conversation.tenant == wired.tenant
    raw.refresh_from_db()
    assert raw.outcome == "processed" and raw.tenant == wired.tenant
    assert raw.rejection_reason == "message-received.message.id is missing"
    assert not Message.objects.filter(tenant=other_wired.tenant).exists()


def test_staff_correct_a_rejected_event_in_the_admin_and_replay_it(staff, wired, other_wired):
    body = mixed(wired)
    post_events(staff, wired.auth, body)
    other = received(other_wired.e164, "+19195550999", "theirs", message_id="other-1")
    post_events(staff, other_wired.auth, [other])
    drain()
    raw = rejected()

    listing = staff.get("/admin/messaging/rawevent/?outcome__exact=rejected").content.decode()
    assert "message-received.message.id is missing" in listing
    assert raw.message_id in listing and "mix-1" not in listing and "other-1" not in listing
    page = staff.get(f"/admin/messaging/rawevent/{raw.pk}/change/").content.decode()
    assert "lost id" in page and "+19195550124" in page

    fixed = dict(body[1], message=dict(body[1]["message"], id="mix-2"))
    saved = staff.post(
        f"/admin/messaging/rawevent/{raw.pk}/change/", {"payload": json.dumps(fixed)}
    )
    assert saved.status_code == 302
    raw.refresh_from_db()
    assert raw.payload == fixed and raw.outcome == "rejected"
    for _ in range(2):
        response = staff.post(
            "/admin/messaging/rawevent/",
            {"action": "replay", "_selected_action": [raw.pk]},
            follow=True,
        )
        assert f"Event {raw.pk}: processed." in response.content.decode()
    assert Message.objects.filter(tenant=wired.tenant, bandwidth_id="mix-2").count() == 1
    assert Message.objects.filter(tenant=wired.tenant).count() == 3
    assert list(
        Message.objects.filter(tenant=other_wired.tenant).values_list("text", flat=True)
    ) == ["theirs"]


def test_only_a_rejected_event_can_be_corrected(staff, wired):
    post_events(staff, wired.auth, mixed(wired))
    processed = RawEvent.objects.get(message_id="mix-1")
    staff.post(f"/admin/messaging/rawevent/{processed.pk}/change/", {"payload": "{}"})
    processed.refresh_from_db()
    assert processed.payload["message"]["id"] == "mix-1"
    with pytest.raises(ParleyError, match="Only a rejected event"):
        services.raw_event_correct(raw_event=processed, payload={})


def test_a_corrected_number_of_another_tenant_stays_rejected(client, wired, other_wired):
    post_events(client, wired.auth, mixed(wired))
    raw = rejected()
    payload = json.loads(json.dumps(raw.payload))
    payload["message"].update(id="mix-2", owner=other_wired.e164)
    payload["to"] = other_wired.e164
    services.raw_event_correct(raw_event=raw, payload=payload)
    assert services.raw_event_replay(raw_event=raw) == "rejected"
    raw.refresh_from_db()
    assert "belongs to another tenant" in raw.rejection_reason
    assert not Message.objects.filter(bandwidth_id="mix-2").exists()


def test_an_array_with_every_element_invalid_is_2xx_and_all_rejected(client, wired):
    body = [
        without_id(received(wired.e164, "+19195550123", "a")),
        {"to": wired.e164, "message": {"owner": wired.e164}},
        42,
        None,
        "\x00",
        {"eventType": "sms", "from": "+19195550123", "to": wired.e164, "text": "v1"},
    ]
    response = post_events(client, wired.auth, body)
    assert response.status_code == 200
    assert response.json() == {"stored": 0, "duplicates": 0, "unrouted": 0, "rejected": 6}
    assert drain() == 0
    assert sorted(RawEvent.objects.values_list("rejection_reason", flat=True)) == [
        "element is a retired Bandwidth v1 (Catapult) messaging callback (eventType 'sms'); "
        "Parley accepts only v2 callbacks",
        "element must be an object, got NoneType",
        "element must be an object, got int",
        "element must be an object, got str",
        "element.type is missing",
        "message-received.message.id is missing",
    ]
    assert set(RawEvent.objects.values_list("outcome", flat=True)) == {"rejected"}
    assert Message.objects.count() == 0
    assert set(RawEvent.objects.values_list("tenant", flat=True)) == {wired.tenant.pk}
    assert None in RawEvent.objects.values_list("payload", flat=True)
    assert RawEvent.objects.filter(payload="\ufffd").exists()
    assert post_events(client, wired.auth, body).json()["duplicates"] == 6
    assert RawEvent.objects.count() == 6


@pytest.mark.parametrize(
    ("body", "message"),
    [("{not json", "body is not valid JSON"), ("12", "must be a JSON array or object, got int")],
)
def test_a_body_that_is_no_json_array_or_object_is_400_json(client, wired, body, message):
    response = client.post(
        WEBHOOK, data=body, content_type="application/json", HTTP_AUTHORIZATION=wired.auth
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parse_error" and message in error["message"]
    assert error["fields"] == {}
    assert RawEvent.objects.count() == 0


def test_a_bad_element_with_another_tenants_number_makes_the_request_401(
    client, wired, other_wired
):
    body = [
        received(wired.e164, "+19195550123", "mine", message_id="own-1"),
        without_id(received(other_wired.e164, "+19195550123", "theirs")),
    ]
    response = post_events(client, wired.auth, body)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")
    assert RawEvent.objects.count() == 0 and Message.objects.count() == 0


def test_a_rejected_element_never_takes_the_key_of_the_valid_event(client, wired):
    broken = received(wired.e164, "+19195550123", "late", message_id="key-1")
    broken["message"]["segmentCount"] = "one"
    assert post_events(client, wired.auth, [broken]).json()["rejected"] == 1
    valid = received(wired.e164, "+19195550123", "late", message_id="key-1")
    assert post_events(client, wired.auth, [valid]).json()["stored"] == 1
    assert drain() == 1
    assert Message.objects.get().bandwidth_id == "key-1"
    assert services.raw_event_replay(raw_event=rejected()) == "rejected"


def test_an_element_the_database_cannot_hold_costs_only_itself(client, wired):
    nul = received(wired.e164, "+19195550123", "a\x00b", message_id="nul-1")
    long_id = received(wired.e164, "+19195550123", "long", message_id="x" * 65)
    nan = dict(received(wired.e164, "+19195550123", "nan", message_id="nan-1"), score=float("nan"))
    fine = received(wired.e164, "+19195550124", "fine", message_id="ok-1")
    body = [nul, fine, long_id, nan]
    response = post_events(client, wired.auth, body)
    assert response.status_code == 200
    assert response.json() == {"stored": 1, "duplicates": 0, "unrouted": 0, "rejected": 3}
    drain()
    assert list(Message.objects.values_list("text", flat=True)) == ["fine"]
    reasons = {
        r.payload["message"]["text"]: r.rejection_reason
        for r in RawEvent.objects.filter(outcome="rejected")
    }
    assert "NUL character" in reasons["a\ufffdb"]
    assert reasons["long"] == "message-received.message.id is longer than 64 characters"
    assert "non-finite number" in reasons["nan"]
    assert RawEvent.objects.get(payload__message__text="nan").payload["score"] is None
    assert post_events(client, wired.auth, body).json()["duplicates"] == 4


def test_a_rejected_status_is_replayed_onto_its_message(client, wired):
    message = services.message_send(
        tenant=wired.tenant, from_number=wired.e164, to=["+19195550123"], text="Hi"
    ).message
    Message.objects.filter(pk=message.pk).update(bandwidth_id="st-1", status="sending")
    event = status_event("message-delivered", wired.e164, "+19195550123", "st-1")
    event["time"] = "yesterday"
    assert post_events(client, wired.auth, [event]).json()["rejected"] == 1
    raw = rejected()
    assert raw.rejection_reason == "message-delivered.time is not a timestamp: 'yesterday'"
    services.raw_event_correct(
        raw_event=raw, payload=dict(raw.payload, time="2026-11-23T10:00:01Z")
    )
    assert services.raw_event_replay(raw_event=raw) == "processed"
    message.refresh_from_db()
    assert message.status == "delivered"
