"""Inbound texts counted by the messaging drain: per tenant, once, in the batch's transaction."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from usage.models import Metric, UsageCounter

from ..messaging.conftest import Wired, drain, post_events, received

pytestmark = pytest.mark.django_db


def _counts() -> dict[tuple[str, str], int]:
    today = timezone.now().date()
    return {
        (row.tenant.slug, row.metric): row.quantity
        for row in UsageCounter.objects.filter(day=today).select_related("tenant")
    }


def test_inbound_segments_and_mms_are_counted_once_per_tenant(tenant, other_tenant):
    ours, theirs = Wired(tenant, "+19195550101"), Wired(other_tenant, "+19195550202")
    client = Client()
    events = [
        received(ours.e164, "+19195550123", "one", message_id="in-a-1"),
        received(ours.e164, "+19195550123", "two", message_id="in-a-2"),
        received(
            ours.e164,
            "+19195550123",
            "a picture",
            message_id="in-a-3",
            media=[f"https://messaging.bandwidth.com/api/v2/users/1/media/{ours.e164}/pic.png"],
        ),
    ]
    assert post_events(client, ours.auth, events).status_code == 200
    other = [received(theirs.e164, "+19195550124", "hi", message_id="in-b-1")]
    assert post_events(client, theirs.auth, other).status_code == 200
    drain()
    # Bandwidth sends the same events again: stored once, counted once.
    assert post_events(client, ours.auth, events).status_code == 200
    drain()
    assert _counts() == {
        ("acme", Metric.SMS_IN_SEGMENTS): 2,
        ("acme", Metric.MMS_IN): 1,
        ("globex", Metric.SMS_IN_SEGMENTS): 1,
    }
