"""The notifications poll (ETag/304), events for texts, missed calls and voicemail, emails to
members who are away, and the dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messaging import services as messaging_services
from messaging.models import Conversation, Message
from notifications import services, tasks
from notifications.models import Event
from voice.models import Call, Recording, Voicemail

from ..messaging.conftest import drain, post_events, received

pytestmark = pytest.mark.django_db


def _text_in(client, wired, sender="+19195550142", text="Hello", message_id="m1"):
    post_events(client, wired.auth, [received(wired.e164, sender, text, message_id=message_id)])
    drain()
    return Message.objects.get(bandwidth_id=message_id)


def test_poll_answers_304_after_one_indexed_query_when_nothing_is_new(client, wired, owner, login):
    _text_in(client, wired)
    ui = login(owner)
    first = ui.get("/notifications/poll/")
    assert first.status_code == 200
    body = first.json()
    assert body["unread"] == 1 and body["events"] == []
    etag = first["ETag"]

    with CaptureQueriesContext(connection) as queries:
        unchanged = ui.get(f"/notifications/poll/?after={body['cursor']}", HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged["ETag"] == etag
    # What every signed-in request costs (session, user, memberships), then the poll's own one.
    assert len(queries) == 4, [q["sql"] for q in queries]
    poll_queries = [q["sql"] for q in queries if "notifications_event" in q["sql"]]
    assert len(poll_queries) == 1
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + poll_queries[0])
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "notification_event_latest" in plan


def test_a_new_text_changes_the_etag_and_is_announced(client, wired, owner, login):
    _text_in(client, wired, message_id="m1")
    ui = login(owner)
    first = ui.get("/notifications/poll/")
    cursor, etag = first.json()["cursor"], first["ETag"]
    _text_in(client, wired, sender="+19195550999", text="Are you open?", message_id="m2")
    changed = ui.get(f"/notifications/poll/?after={cursor}", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    body = changed.json()
    assert body["unread"] == 2
    [event] = body["events"]
    assert event["kind"] == "text" and event["body"] == "Are you open?"
    assert event["title"] == "New text from (919) 555-0999"
    conversation = Message.objects.get(bandwidth_id="m2").conversation_id
    assert event["url"] == f"/inbox/{conversation}/"

    # Reading a conversation changes the total (and the ETag) too.
    ui.get(f"/inbox/{conversation}/")
    after_read = ui.get(
        f"/notifications/poll/?after={body['cursor']}", HTTP_IF_NONE_MATCH=changed["ETag"]
    )
    assert after_read.status_code == 200 and after_read.json()["unread"] == 1
    assert after_read.json()["events"] == []


def test_only_my_or_unassigned_conversations_are_announced(client, wired, owner, agent, login):
    _text_in(client, wired, sender="+19195550111", message_id="a1")
    _text_in(client, wired, sender="+19195550122", message_id="b1")
    mine = Message.objects.get(bandwidth_id="a1").conversation
    theirs = Message.objects.get(bandwidth_id="b1").conversation
    messaging_services.conversation_assign(conversation=mine, assignee=owner)
    messaging_services.conversation_assign(conversation=theirs, assignee=agent)
    ui = login(owner)
    cursor = ui.get("/notifications/poll/").json()["cursor"]
    _text_in(client, wired, sender="+19195550111", message_id="a2")
    _text_in(client, wired, sender="+19195550122", message_id="b2")
    _text_in(client, wired, sender="+19195550133", message_id="c1")
    events = ui.get(f"/notifications/poll/?after={cursor}").json()["events"]
    assert [e["title"] for e in events] == [
        "New text from (919) 555-0111",
        "New text from (919) 555-0133",
    ]


def test_the_other_tenant_sees_none_of_it(client, wired, owner, other_owner, login):
    ui = login(other_owner)
    first = ui.get("/notifications/poll/").json()
    _text_in(client, wired)
    again = ui.get(f"/notifications/poll/?after={first['cursor']}").json()
    assert again == {"cursor": first["cursor"], "unread": 0, "events": []}
    assert login(owner).get("/notifications/poll/").json()["unread"] == 1
    assert login(other_owner).get("/notifications/poll/", HTTP_IF_NONE_MATCH="x").status_code == 200


def test_missed_calls_and_voicemail_are_events_once(wired, owner, login):
    conversation = Conversation.objects.create(
        tenant=wired.tenant,
        phone_number=wired.number,
        participants=["+19195550142"],
        participants_key="+19195550142",
    )
    call = Call.objects.create(
        tenant=wired.tenant,
        phone_number=wired.number,
        our_number=wired.e164,
        other_party="+19195550142",
        direction=Call.Direction.INBOUND,
        status=Call.Status.INITIATED,
    )
    call.status = Call.Status.NO_ANSWER
    call.save()
    call.save()
    recording = Recording.objects.create(
        tenant=wired.tenant, call=call, bandwidth_recording_id="r1"
    )
    Voicemail.objects.create(tenant=wired.tenant, call=call, recording=recording)
    events = list(Event.objects.order_by("id").values_list("kind", "conversation_id"))
    assert events == [("missed_call", conversation.pk), ("voicemail", conversation.pk)]
    body = login(owner).get("/notifications/poll/?after=0").json()
    assert [e["title"] for e in body["events"]] == [
        "Missed call from (919) 555-0142",
        "Voicemail from (919) 555-0142",
    ]


def test_poll_needs_a_signed_in_member(client):
    assert client.get("/notifications/poll/").status_code == 302


@pytest.fixture
def away_owner(owner):
    owner.user.email = "owner@acme.example"
    owner.user.save()
    return owner


def test_away_member_gets_one_batched_email_per_ten_minutes(
    client, wired, away_owner, other_owner, mailoutbox, django_capture_on_commit_callbacks
):
    other_owner.notify_email = True
    other_owner.save()
    _text_in(client, wired, message_id="e1", text="First")
    _text_in(client, wired, sender="+19195550999", message_id="e2", text="Second")
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.away_emails_send(now=now) == 1
    [mail] = mailoutbox
    assert mail.to == ["owner@acme.example"]
    assert (
        "First" in mail.body and "Second" in mail.body and mail.subject == "2 new in Acme Plumbing"
    )

    _text_in(client, wired, message_id="e3", text="Third")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.away_emails_send(now=now + timedelta(minutes=5)) == 0
        assert services.away_emails_send(now=now + timedelta(minutes=11)) == 1
    assert len(mailoutbox) == 2
    assert "Third" in mailoutbox[1].body and "First" not in mailoutbox[1].body


def test_no_email_while_the_member_has_a_page_open_or_turned_it_off(
    client, wired, away_owner, agent, login, mailoutbox, django_capture_on_commit_callbacks
):
    agent.notify_email = False
    agent.save()
    login(away_owner).get("/notifications/poll/")
    _text_in(client, wired, message_id="p1")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.away_emails_send() == 0
    # What they saw while here is not emailed once they leave.
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.away_emails_send() == 0
    assert mailoutbox == []


def test_the_periodic_task_skips_while_another_run_holds_the_lock(wired, away_owner):
    from core.locks import try_lock

    with try_lock("notifications-away-emails", 30) as held:
        assert held
        assert tasks.send_away_emails() == 0


def test_dashboard_counts_today_for_this_tenant_only(
    client, wired, other_wired, owner, login, other_owner
):
    inbound = _text_in(client, wired, message_id="d1")
    post_events(
        client,
        other_wired.auth,
        [received(other_wired.e164, "+19195550142", "x", message_id="d2")],
    )
    drain()
    reply = messaging_services.message_send(
        tenant=wired.tenant, from_number=wired.e164, to=["+19195550142"], text="Yes"
    ).message
    Message.objects.filter(pk=reply.pk).update(created_at=inbound.created_at + timedelta(minutes=4))
    wired.number.__class__.objects.create(
        tenant=wired.tenant, number="+19195550303", status="ordering"
    )
    page = login(owner).get("/dashboard/").content.decode()
    assert "<strong>1</strong> texts in · <strong>1</strong> out" in page
    assert "<strong>4 min</strong> median first response" in page
    assert "<strong>1</strong> unread" in page
    assert "+19195550303" in page and "Ordering" in page
    other = login(other_owner).get("/dashboard/").content.decode()
    assert "+19195550303" not in other and "Every number is ready." in other
    assert "<strong>1</strong> texts in · <strong>0</strong> out" in other


def test_signing_in_lands_on_the_dashboard(owner, login):
    response = login(owner).get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/dashboard/"


def test_a_page_that_was_asleep_is_shown_the_newest_few(wired, owner, login):
    from notifications.services import event_record

    for index in range(25):
        event_record(
            tenant_id=wired.tenant.pk,
            kind=Event.Kind.TEXT,
            source_id=900 + index,
            number="+19195550142",
            preview=f"text {index}",
        )
    body = login(owner).get("/notifications/poll/?after=0").json()
    assert [e["body"] for e in body["events"]] == [f"text {i}" for i in range(5, 25)]
    assert body["cursor"] == Event.objects.order_by("-id").first().pk
