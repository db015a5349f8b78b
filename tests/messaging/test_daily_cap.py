"""The daily segment cap: one counter row per tenant and local day, refused sends write nothing,
and the day starts at midnight in the tenant's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from messaging import services
from messaging.models import Conversation, DailySegmentUsage, Media, Message
from tenants.errors import ParleyError

pytestmark = pytest.mark.django_db(transaction=True)

NEW_YORK = ZoneInfo("America/New_York")


def usage(tenant) -> dict[date, int]:
    return dict(DailySegmentUsage.objects.filter(tenant=tenant).values_list("day", "used"))


def test_at_the_cap_a_send_is_refused_and_nothing_is_written(
    wired, other_wired, tenant_api, other_api, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    services.messaging_policy_update(tenant=wired.tenant, daily_segment_cap=2)
    payload = {"from": wired.e164, "to": ["+19195550123", "+19195550124"], "text": "Hi"}
    assert tenant_api.post("/api/v1/messages/", payload, format="json").status_code == 202
    messages, conversations = Message.objects.count(), Conversation.objects.count()

    photo = SimpleUploadedFile("photo.png", b"\x89PNG" + b"0" * 64, content_type="image/png")
    refused = tenant_api.post(
        "/api/v1/messages/",
        {"from": wired.e164, "to": "+19195550125", "text": "One more", "media": photo},
        format="multipart",
    )

    assert refused.status_code == 400, refused.content
    error = refused.json()["error"]
    assert error["code"] == "daily_cap" and "limit of 2 segments (2 used)" in error["message"]
    assert Message.objects.count() == messages and Conversation.objects.count() == conversations
    assert not Media.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert list(usage(wired.tenant).values()) == [2]
    # The other tenant has its own counter.
    theirs = {"from": other_wired.e164, "to": ["+19195550123"], "text": "Hi"}
    assert other_api.post("/api/v1/messages/", theirs, format="json").status_code == 202


def test_the_day_starts_at_midnight_in_the_tenants_time_zone(wired, other_wired):
    tenant, other = wired.tenant, other_wired.tenant
    assert tenant.timezone == "America/New_York"
    other.timezone = "UTC"
    other.save()
    services.messaging_policy_update(tenant=tenant, daily_segment_cap=1)

    def send(line, local: datetime) -> None:
        services.message_send(
            tenant=line.tenant,
            from_number=line.e164,
            to=["+19195550123"],
            text="Hi",
            now=local.astimezone(UTC),
        )

    send(wired, datetime(2026, 3, 10, 19, 30, tzinfo=NEW_YORK))  # 23:30 UTC on the 10th
    for local in (
        datetime(2026, 3, 10, 20, 30, tzinfo=NEW_YORK),  # already the 11th in UTC
        datetime(2026, 3, 10, 23, 30, tzinfo=NEW_YORK),
    ):
        with pytest.raises(ParleyError) as refused:
            send(wired, local)
        assert refused.value.code == "daily_cap"
    send(wired, datetime(2026, 3, 11, 0, 10, tzinfo=NEW_YORK))  # a new day in New York
    send(other_wired, datetime(2026, 3, 10, 20, 30, tzinfo=NEW_YORK))

    assert usage(tenant) == {date(2026, 3, 10): 1, date(2026, 3, 11): 1}
    assert usage(other) == {date(2026, 3, 11): 1}
    assert Message.objects.filter(tenant=tenant).count() == 2


def test_a_cancelled_scheduled_message_gives_its_segments_back(wired, tenant_api):
    services.messaging_policy_update(tenant=wired.tenant, daily_segment_cap=1)
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    body = {"from": wired.e164, "to": ["+19195550123"], "text": "Later"}
    scheduled = tenant_api.post("/api/v1/messages/", {**body, "send_at": later}, format="json")
    assert scheduled.status_code == 201
    refused = tenant_api.post("/api/v1/messages/", body, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "daily_cap"

    cancelled = tenant_api.delete(f"/api/v1/messages/{scheduled.json()['id']}/")

    assert cancelled.status_code == 200
    assert tenant_api.post("/api/v1/messages/", body, format="json").status_code == 202
    assert list(usage(wired.tenant).values()) == [1]
