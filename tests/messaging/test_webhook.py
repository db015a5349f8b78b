"""POST /webhooks/bandwidth/messaging/: authentication, routing, dedupe and status ordering.

The request only stores the events; ``drain()`` processes them as the woken task would.
"""

from __future__ import annotations

from numbers.models import PhoneNumber

import pytest

from messaging.models import Contact, Conversation, Message, RawEvent

from .conftest import basic, drain, post_events, received, status_event

pytestmark = pytest.mark.django_db


def test_no_credentials_get_the_basic_challenge(client, wired):
    response = post_events(client, None, [received(wired.e164, "+19195550123", "hi")])
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert Message.objects.count() == 0


def test_wrong_password_gets_the_challenge_not_403(client, wired):
    response = post_events(
        client, basic(wired.username, "wrong"), [received(wired.e164, "+19195550123", "hi")]
    )
    assert response.status_code == 401 and "Basic" in response["WWW-Authenticate"]


def test_another_tenants_credentials_for_this_number_get_401(client, wired, other_wired):
    response = post_events(client, other_wired.auth, [received(wired.e164, "+19195550123", "hi")])
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")
    assert Message.objects.count() == 0 and RawEvent.objects.count() == 0


def test_inbound_creates_contact_conversation_and_message(client, wired, other_wired):
    response = post_events(client, wired.auth, [received(wired.e164, "+19195550123", "Hello")])
    assert response.status_code == 200
    assert drain() == 1
    message = Message.objects.get()
    assert message.tenant == wired.tenant and message.direction == "in"
    assert message.status == "received" and message.text == "Hello"
    conversation = message.conversation
    assert conversation.participants == ["+19195550123"]
    assert conversation.unread_count == 1 and conversation.last_message_preview == "Hello"
    assert Contact.objects.get().number == "+19195550123"
    assert Conversation.objects.filter(tenant=other_wired.tenant).count() == 0


def test_every_element_of_the_array_is_handled_and_a_bare_object_too(client, wired):
    events = [
        received(wired.e164, "+19195550123", "one", message_id="m-1"),
        received(wired.e164, "+19195550124", "two", message_id="m-2"),
    ]
    assert post_events(client, wired.auth, events).status_code == 200
    bare = received(wired.e164, "+19195550123", "three", message_id="m-3")
    assert post_events(client, wired.auth, bare).status_code == 200
    assert drain() == 3
    assert sorted(Message.objects.values_list("text", flat=True)) == ["one", "three", "two"]
    assert Conversation.objects.count() == 2


def test_the_same_event_three_times_stores_one_message(client, wired):
    event = received(wired.e164, "+19195550123", "Once", message_id="dup-1")
    answers = []
    for _ in range(3):
        response = post_events(client, wired.auth, [event])
        assert response.status_code == 200
        answers.append((response.json()["stored"], response.json()["duplicates"]))
        drain()
    assert answers == [(1, 0), (0, 1), (0, 1)]
    assert Message.objects.count() == 1
    assert RawEvent.objects.count() == 1
    assert Message.objects.get().conversation.unread_count == 1


def test_group_message_threads_by_its_participants(client, wired):
    group = [wired.e164, "+19195550123", "+19195550124"]
    first = received(wired.e164, "+19195550123", "hi all", message_id="g-1", to=group)
    reply = received(
        wired.e164, "+19195550124", "hello", message_id="g-2", to=[wired.e164, "+19195550123"]
    )
    reply["message"]["to"] = [wired.e164, "+19195550123"]
    post_events(client, wired.auth, [first, reply])
    drain()
    conversation = Conversation.objects.get()
    assert conversation.participants == ["+19195550123", "+19195550124"]
    assert conversation.messages.count() == 2
    assert conversation.contacts.count() == 2


def test_stop_in_a_group_message_opts_the_sender_out(client, wired):
    group = [wired.e164, "+19195550123", "+19195550124"]
    post_events(client, wired.auth, [received(wired.e164, "+19195550124", " stop ", to=group)])
    drain()
    assert Contact.objects.get(tenant=wired.tenant, number="+19195550124").opted_out
    assert not Contact.objects.get(tenant=wired.tenant, number="+19195550123").opted_out


def test_event_for_a_number_no_tenant_owns_is_kept_and_answered_2xx(client, wired, caplog):
    event = received("+19195559999", "+19195550123", "who?", message_id="stray-1")
    response = post_events(client, wired.auth, [event])
    assert response.status_code == 200 and response.json()["unrouted"] == 1
    assert drain() == 0
    raw = RawEvent.objects.get()
    assert raw.outcome == "unrouted" and raw.tenant is None
    assert Message.objects.count() == 0
    assert "unowned number +19195559999" in caplog.text


def _outbound(wired, bandwidth_id: str = "out-1") -> Message:
    from messaging import services

    message = services.message_send(
        tenant=wired.tenant, from_number=wired.e164, to=["+19195550123"], text="Hi"
    ).message
    Message.objects.filter(pk=message.pk).update(bandwidth_id=bandwidth_id, status="sending")
    return message


def test_statuses_out_of_order_only_move_forward(client, wired):
    message = _outbound(wired)
    delivered = status_event("message-delivered", wired.e164, "+19195550123", "out-1")
    late_sending = status_event("message-sending", wired.e164, "+19195550123", "out-1")
    post_events(client, wired.auth, [delivered])
    drain()
    post_events(client, wired.auth, [late_sending])
    drain()
    message.refresh_from_db()
    assert message.status == "delivered" and message.delivered_at is not None
    assert message.recipient_status["+19195550123"]["status"] == "delivered"


def test_failed_status_keeps_the_code_and_its_meaning(client, wired):
    message = _outbound(wired)
    failed = status_event("message-failed", wired.e164, "+19195550123", "out-1", error_code=4432)
    post_events(client, wired.auth, [failed])
    drain()
    message.refresh_from_db()
    assert message.status == "failed" and message.error_code == 4432
    assert message.error_description == "Texts to that country are not allowed on this account."


def test_status_before_the_send_answer_is_applied_when_the_id_arrives(client, wired):
    from messaging import services

    message = services.message_send(
        tenant=wired.tenant, from_number=wired.e164, to=["+19195550123"], text="Hi"
    ).message
    early = status_event("message-delivered", wired.e164, "+19195550123", "early-1")
    post_events(client, wired.auth, [early])
    drain()
    assert RawEvent.objects.get().outcome == "unmatched"
    services._mark_accepted(message.pk, "early-1")
    message.refresh_from_db()
    assert message.status == "delivered"
    assert RawEvent.objects.get().outcome == "processed"


def test_received_event_about_our_own_outbound_message_never_auto_replies(client, wired):
    event = received(wired.e164, "+19195550123", "STOP", message_id="echo-1", direction="out")
    assert post_events(client, wired.auth, [event]).status_code == 200
    drain()
    assert Message.objects.count() == 0
    assert not Contact.objects.filter(opted_out=True).exists()
    assert RawEvent.objects.get().outcome == "ignored"


def test_suspended_tenant_events_are_stored_but_nothing_is_sent(client, wired):
    wired.tenant.status = "suspended"
    wired.tenant.save()
    event = received(wired.e164, "+19195550123", "STOP", message_id="susp-1")
    assert post_events(client, wired.auth, [event]).status_code == 200
    drain()
    assert Message.objects.filter(direction="in").count() == 1
    assert Message.objects.filter(direction="out").count() == 0
    assert Contact.objects.get().opted_out


def test_unknown_event_types_are_answered_2xx_and_kept(client, wired):
    event = received(wired.e164, "+19195550123", "x", message_id="r-1")
    event["type"] = "message-read"
    assert post_events(client, wired.auth, [event]).status_code == 200
    drain()
    assert RawEvent.objects.get().outcome == "ignored"


def test_malformed_body_is_400(client, wired):
    response = client.post(
        "/webhooks/bandwidth/messaging/",
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=wired.auth,
    )
    assert response.status_code == 400


def test_raw_event_replay_is_idempotent(client, wired):
    from messaging import services

    post_events(client, wired.auth, [received(wired.e164, "+19195550123", "hi", message_id="rp")])
    drain()
    raw = RawEvent.objects.get()
    assert services.raw_event_replay(raw_event=raw) == "processed"
    assert Message.objects.count() == 1
    raw.refresh_from_db()
    assert raw.replayed_at is not None


def test_stop_confirms_once_and_help_answers_even_when_opted_out(client, wired):
    for index, word in enumerate(["STOP", "stop", "HELP"]):
        event = received(wired.e164, "+19195550123", word, message_id=f"kw-{index}")
        assert post_events(client, wired.auth, [event]).status_code == 200
        drain()
    replies = list(
        Message.objects.filter(direction="out")
        .order_by("created_at")
        .values_list("text", "auto_reply")
    )
    assert len(replies) == 2 and all(auto for _, auto in replies)
    assert "unsubscribed" in replies[0][0] and "Reply STOP" in replies[1][0]
    assert Contact.objects.get().opt_events.count() == 2


def test_opt_out_confirmation_goes_out_even_at_the_daily_cap(client, wired):
    from messaging import services

    services.messaging_policy_update(tenant=wired.tenant, daily_segment_cap=0)
    event = received(wired.e164, "+19195550123", "STOP", message_id="cap-1")
    post_events(client, wired.auth, [event])
    drain()
    assert Message.objects.filter(direction="out", auto_reply=True).count() == 1


def test_the_request_only_stores_the_event_and_the_drain_processes_it(client, wired, other_wired):
    events = [
        received(wired.e164, "+19195550123", "first", message_id="s-1"),
        received(wired.e164, "+19195550124", "second", message_id="s-2"),
    ]
    response = post_events(client, wired.auth, events)
    assert response.status_code == 200
    assert response.json() == {"stored": 2, "duplicates": 0, "unrouted": 0, "rejected": 0}
    assert Message.objects.count() == 0 and Contact.objects.count() == 0
    rows = RawEvent.objects.order_by("message_id")
    assert [(r.message_id, r.outcome, r.tenant_id) for r in rows] == [
        ("s-1", "pending", wired.tenant.pk),
        ("s-2", "pending", wired.tenant.pk),
    ]
    assert drain() == 2
    assert set(RawEvent.objects.values_list("outcome", flat=True)) == {"processed"}
    assert drain() == 0
    assert Message.objects.filter(tenant=wired.tenant).count() == 2
    assert not Message.objects.filter(tenant=other_wired.tenant).exists()


def test_a_failing_event_is_kept_as_failed_and_the_batch_goes_on(client, wired, other_wired):
    post_events(client, wired.auth, [received(wired.e164, "+19195550123", "a", message_id="f-1")])
    post_events(
        client,
        other_wired.auth,
        [received(other_wired.e164, "+19195550123", "b", message_id="f-2")],
    )
    # The number stops being active after its event was accepted: processing refuses it.
    PhoneNumber.objects.filter(pk=wired.number.pk).update(status=PhoneNumber.Status.RELEASED)
    assert drain() == 2
    failed = RawEvent.objects.get(message_id="f-1")
    assert failed.outcome == "failed" and "not an active number" in failed.error
    assert RawEvent.objects.get(message_id="f-2").outcome == "processed"
    assert list(Message.objects.values_list("tenant", flat=True)) == [other_wired.tenant.pk]


def test_beat_sweeps_events_no_task_was_woken_for(client, wired, settings):
    from messaging import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["messaging-sweep-raw-events"]
    assert entry["task"] == "messaging.tasks.sweep_raw_events" and entry["schedule"] <= 10
    # In this test's transaction no after-commit wake-up runs: as if the broker had been down.
    post_events(client, wired.auth, [received(wired.e164, "+19195550123", "hi", message_id="w")])
    assert RawEvent.objects.get().outcome == "pending"
    assert tasks.sweep_raw_events() == 1
    assert Message.objects.get().text == "hi"
    assert RawEvent.objects.get().outcome == "processed"
