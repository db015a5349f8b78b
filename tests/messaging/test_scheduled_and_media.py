"""Scheduled sends (edit, cancel, go out at their time) and inbound media fetching."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from messaging import services, tasks
from messaging.models import Media, Message
from tenants.errors import ParleyError

from ..conftest import wait_until
from .conftest import emulator_messages

pytestmark = pytest.mark.django_db(transaction=True)


def test_scheduled_message_goes_out_at_its_time_after_an_edit(line, celery_worker, bandwidth):
    soon = timezone.now() + timedelta(seconds=2)
    message = services.message_send(
        tenant=line.tenant,
        from_number=line.e164,
        to=["+19195550123"],
        text="Reminder",
        send_at=timezone.now() + timedelta(hours=2),
    ).message
    assert message.status == "queued" and message.is_editable
    assert tasks.dispatch_due_messages() == 0
    services.message_reschedule(message=message, text="Reminder: 3pm", send_at=soon)
    wait_until(lambda: Message.objects.get(pk=message.pk).status == "delivered", timeout=20)
    assert [m.text for m in emulator_messages(bandwidth)] == ["Reminder: 3pm"]
    sent = Message.objects.get(pk=message.pk)
    assert sent.sending_at >= soon


def test_beat_sends_scheduled_messages_whose_time_has_come(line, bandwidth):
    message = services.message_send(
        tenant=line.tenant,
        from_number=line.e164,
        to=["+19195550123"],
        text="Later",
        send_at=timezone.now() + timedelta(hours=1),
    ).message
    assert services.messages_due() == []
    Message.objects.filter(pk=message.pk).update(scheduled_for=timezone.now())
    assert services.messages_due() == [message.pk]
    assert services.message_dispatch(message_id=message.pk) == "sent"


def test_cancelled_scheduled_message_never_goes_out(line, bandwidth):
    message = services.message_send(
        tenant=line.tenant,
        from_number=line.e164,
        to=["+19195550123"],
        text="Never",
        send_at=timezone.now() + timedelta(hours=1),
    ).message
    services.message_cancel(message=message)
    Message.objects.filter(pk=message.pk).update(scheduled_for=timezone.now())
    assert services.message_dispatch(message_id=message.pk) == "skipped"
    assert Message.objects.get(pk=message.pk).status == "canceled"
    with pytest.raises(ParleyError):
        services.message_cancel(message=message)
    assert emulator_messages(bandwidth) == []


def test_inbound_mms_media_is_fetched_into_storage(line, celery_worker, bandwidth, text_in):
    png = b"\x89PNG\r\n\x1a\n inbound picture"
    text_in(
        "+19195550123",
        line.e164,
        "photo",
        media=[
            {
                "filename": "pic.png",
                "content_type": "image/png",
                "content_base64": base64.b64encode(png).decode(),
            }
        ],
    )
    media = wait_until(lambda: Media.objects.filter(status="stored").first())
    assert media.content_type == "image/png" and media.size == len(png)
    with media.file.open("rb") as handle:
        assert handle.read() == png
    assert media.message.text == "photo" and media.tenant == line.tenant


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "{base}/users/9900000/messages",
        "{base}/users/other-account/media/x/0/a.png",
        "{base}/users/9900000/media/../../oauth2/token",
    ],
)
def test_media_fetcher_refuses_urls_outside_the_media_path(line, bandwidth, settings, url):
    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text="x"
    ).message
    item = Media.objects.create(
        tenant=line.tenant,
        message=message,
        source_url=url.format(base=settings.BANDWIDTH_MESSAGING_BASE_URL),
    )
    assert services.media_fetch(media_id=item.pk) == "failed"
    item.refresh_from_db()
    assert item.status == "failed" and "media path" in item.error
    assert not item.file
