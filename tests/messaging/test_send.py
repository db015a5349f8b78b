"""Sending over real HTTP: the emulator, the Redis broker and a real worker."""

from __future__ import annotations

import pytest
import requests

from messaging import services
from messaging.models import Message
from tenants.errors import ParleyError

from ..conftest import wait_until
from .conftest import emulator_messages

pytestmark = pytest.mark.django_db(transaction=True)


def _status(message: Message) -> str:
    message.refresh_from_db()
    return message.status


def test_sms_reaches_delivered(line, celery_worker, bandwidth):
    result = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+1 (919) 555-0123"], text="Hello there"
    )
    message = result.message
    assert message.status == "queued" and message.segment_count == 1
    assert message.encoding == "GSM-7"
    wait_until(lambda: _status(message) == "delivered")
    assert message.bandwidth_id and message.delivered_at is not None
    sent = emulator_messages(bandwidth)
    assert [(m.from_, m.to, m.text) for m in sent] == [(line.e164, ["+19195550123"], "Hello there")]
    assert message.conversation.participants == ["+19195550123"]


def test_long_unicode_text_counts_ucs2_segments(line, celery_worker, bandwidth):
    text = "Grüße 😀 " * 12
    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text=text
    ).message
    assert message.encoding == "UCS-2" and message.segment_count == 2
    wait_until(lambda: _status(message) == "delivered")
    assert emulator_messages(bandwidth)[0].segment_count == 2


def test_mms_with_an_upload_reaches_delivered(line, celery_worker, bandwidth):
    from django.core.files.uploadedfile import SimpleUploadedFile

    picture = SimpleUploadedFile("pic.png", b"\x89PNG fake", content_type="image/png")
    message = services.message_send(
        tenant=line.tenant,
        from_number=line.e164,
        to=["+19195550123"],
        text="See attached",
        uploads=[picture],
    ).message
    wait_until(lambda: _status(message) == "delivered")
    sent = emulator_messages(bandwidth)[0]
    assert len(sent.media) == 1 and sent.message_type == "mms"
    with bandwidth.emulator.state.lock:
        stored = [m.content for m in bandwidth.emulator.state.media.values()]
    assert b"\x89PNG fake" in stored


def test_group_message_reaches_delivered_for_every_recipient(line, celery_worker, bandwidth):
    group = ["+19195550123", "+19195550124", "+19195550125"]
    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=group, text="Team update"
    ).message
    assert message.segment_count == 1
    wait_until(lambda: _status(message) == "delivered")
    assert {n: s["status"] for n, s in message.recipient_status.items()} == dict.fromkeys(
        group, "delivered"
    )
    assert message.conversation.participants == sorted(group)
    assert len(emulator_messages(bandwidth)) == 1


def test_failure_code_is_kept_in_words(line, celery_worker, bandwidth):
    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195554720"], text="Hi"
    ).message
    wait_until(lambda: _status(message) == "failed")
    assert message.error_code == 4720
    assert "cannot receive texts" in message.error_description


def test_carrier_opt_out_code_records_an_opt_out(line, celery_worker, bandwidth):
    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195554775"], text="Hi"
    ).message
    wait_until(lambda: _status(message) == "failed")
    assert message.error_code == 4775
    contact = message.conversation.contacts.get()
    assert contact.opted_out
    assert contact.opt_events.get().source == "carrier"
    with pytest.raises(ParleyError, match="opted out"):
        services.message_send(
            tenant=line.tenant, from_number=line.e164, to=["+19195554775"], text="Again"
        )


def test_a_bandwidth_4xx_fails_the_message_with_the_reason(line, celery_worker, bandwidth):
    line.provisioning.messaging_application_id = "not-the-right-app"
    line.provisioning.save()
    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text="Hi"
    ).message
    wait_until(lambda: _status(message) == "failed")
    assert "is not the messaging application" in message.error_description
    assert emulator_messages(bandwidth) == []


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_injected_429_and_5xx(line, celery_worker, bandwidth, status):
    requests.post(
        f"{bandwidth.url}/_sim/faults",
        json={"fail_next": {"count": 2, "status": status, "retry_after": 1, "api": "messaging"}},
        timeout=5,
    ).raise_for_status()
    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text="Persist"
    ).message
    wait_until(lambda: _status(message) == "delivered", timeout=20)
    assert message.dispatch_attempts == 3
    assert len(emulator_messages(bandwidth)) == 1


def test_ambiguous_timeout_is_reconciled_not_sent_twice(line, celery_worker, bandwidth, settings):
    settings.BANDWIDTH_READ_TIMEOUT = 0.3
    requests.post(
        f"{bandwidth.url}/_sim/faults", json={"latency_seconds": 0.8}, timeout=5
    ).raise_for_status()
    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text="Once only"
    ).message
    wait_until(lambda: Message.objects.get(pk=message.pk).needs_reconciliation)
    requests.delete(f"{bandwidth.url}/_sim/faults", timeout=5)
    wait_until(lambda: _status(message) == "delivered", timeout=20)
    assert len(emulator_messages(bandwidth)) == 1
    assert message.bandwidth_id == emulator_messages(bandwidth)[0].id
    assert not message.needs_reconciliation


def test_stuck_queued_messages_are_requeued(line, bandwidth, settings):
    """The broker was down: the row is queued and no task exists; the reconciler sends it."""
    from django.db import transaction

    with transaction.atomic():
        message = services.message_send(
            tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text="Lost task"
        ).message
        transaction.get_connection().run_on_commit = []
    assert services.messages_due() == [message.pk]
    assert services.message_dispatch(message_id=message.pk) == "sent"
    assert services.messages_due() == []
    assert len(emulator_messages(bandwidth)) == 1


def test_a_send_lost_with_its_worker_is_reconciled_not_repeated(line, bandwidth, settings):
    """A worker died after posting: its lease expires, and the next dispatch reconciles."""
    from datetime import timedelta

    from django.utils import timezone

    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text="Posted once"
    ).message
    assert services.message_dispatch(message_id=message.pk) == "sent"
    Message.objects.filter(pk=message.pk).update(
        bandwidth_id="",
        status="queued",
        in_flight=True,
        dispatch_claimed_at=timezone.now() - timedelta(minutes=5),
    )
    assert services.messages_due() == [message.pk]
    assert services.message_dispatch(message_id=message.pk) == "reconcile"
    assert services.message_reconcile(message_id=message.pk) == "found"
    message.refresh_from_db()
    assert message.bandwidth_id == emulator_messages(bandwidth)[0].id
    assert len(emulator_messages(bandwidth)) == 1


def test_reconciliation_compares_only_the_page_bandwidth_listed(
    line, other_line, bandwidth, settings
):
    """However much the number sent before, settling one message reads only the listed ids."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    earlier = []
    for owner in (line, other_line):
        sent = services.message_send(
            tenant=owner.tenant, from_number=owner.e164, to=["+19195550199"], text="Earlier"
        ).message
        earlier += [
            Message(
                tenant=sent.tenant,
                conversation=sent.conversation,
                direction="out",
                from_number=sent.from_number,
                to=sent.to,
                text="Long ago",
                status="delivered",
                bandwidth_id=f"old-{owner.tenant.slug}-{index}",
            )
            for index in range(150)
        ]
    Message.objects.bulk_create(earlier)
    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text="Posted once"
    ).message
    assert services.message_dispatch(message_id=message.pk) == "sent"
    posted = Message.objects.get(pk=message.pk).bandwidth_id
    Message.objects.filter(pk=message.pk).update(
        bandwidth_id="",
        status="queued",
        in_flight=True,
        dispatch_claimed_at=timezone.now() - timedelta(minutes=5),
    )
    assert services.message_dispatch(message_id=message.pk) == "reconcile"

    rows_read: list[int] = []

    def count_rows(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("SELECT"):
            rows_read.append(context["cursor"].rowcount)
        return result

    with connection.execute_wrapper(count_rows):
        assert services.message_reconcile(message_id=message.pk) == "found"
    assert rows_read and max(rows_read) <= 1, rows_read
    message.refresh_from_db()
    assert message.bandwidth_id == posted and not message.needs_reconciliation
    assert len(emulator_messages(bandwidth)) == 1
