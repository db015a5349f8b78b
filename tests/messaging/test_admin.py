"""Staff admin: lists of messages, conversations and raw events; resend, replay, reconcile."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from messaging import services, tasks
from messaging.models import Message, RawEvent

from ..conftest import wait_until
from .conftest import emulator_messages, post_events, received

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(client):
    client.force_login(
        get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-123")
    )
    return client


def test_admin_lists_with_filters(staff, wired):
    post_events(staff, wired.auth, [received(wired.e164, "+19195550123", "hi", message_id="a1")])
    for path in [
        "/admin/messaging/message/?status__exact=received&direction__exact=in",
        "/admin/messaging/conversation/?status__exact=open",
        "/admin/messaging/rawevent/?outcome__exact=processed",
        "/admin/messaging/contact/",
        "/admin/messaging/optout/",
        "/admin/messaging/messagingpolicy/",
    ]:
        response = staff.get(path)
        assert response.status_code == 200, path
    assert "a1" in staff.get("/admin/messaging/rawevent/").content.decode()


def test_replay_action_reprocesses_a_raw_event(staff, wired):
    post_events(staff, wired.auth, [received(wired.e164, "+19195550123", "hi", message_id="a2")])
    Message.objects.all().delete()
    raw = RawEvent.objects.get()
    response = staff.post(
        "/admin/messaging/rawevent/",
        {"action": "replay", "_selected_action": [raw.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Message.objects.get().text == "hi"
    raw.refresh_from_db()
    assert raw.replayed_at is not None


def test_resend_action_sends_a_failed_message_again(staff, line, celery_worker, bandwidth):
    failed = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195554720"], text="Try"
    ).message
    wait_until(lambda: Message.objects.get(pk=failed.pk).status == "failed")
    staff.post(
        "/admin/messaging/message/",
        {"action": "resend", "_selected_action": [failed.pk]},
        follow=True,
    )
    copy = Message.objects.exclude(pk=failed.pk).get(direction="out")
    assert copy.text == "Try" and copy.to == ["+19195554720"]
    wait_until(lambda: len(emulator_messages(bandwidth)) == 2)


def test_reconcile_now_adopts_the_message_bandwidth_has(staff, line, bandwidth):
    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text="Lost answer"
    ).message
    assert services.message_dispatch(message_id=message.pk) == "sent"
    bandwidth_id = Message.objects.get(pk=message.pk).bandwidth_id
    Message.objects.filter(pk=message.pk).update(
        bandwidth_id="", needs_reconciliation=True, status="queued"
    )
    staff.post(
        "/admin/messaging/message/",
        {"action": "reconcile_now", "_selected_action": [message.pk]},
        follow=True,
    )
    message.refresh_from_db()
    assert message.bandwidth_id == bandwidth_id and not message.needs_reconciliation
    assert tasks.reconcile_messages() == 0


def test_old_raw_events_are_purged(wired, settings, client):
    from datetime import timedelta

    from django.utils import timezone

    post_events(client, wired.auth, [received(wired.e164, "+19195550123", "hi", message_id="p1")])
    settings.MESSAGING_RAW_EVENT_RETENTION_DAYS = 7
    RawEvent.objects.update(received_at=timezone.now() - timedelta(days=8))
    assert tasks.purge_raw_events() == 1
    assert RawEvent.objects.count() == 0
