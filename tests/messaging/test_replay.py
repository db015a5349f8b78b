"""Webhook replays under concurrency: every event delivered three times at once is stored once,
and processed once while a Celery worker drains during the deliveries."""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from messaging.models import Contact, Conversation, Message, RawEvent

from ..conftest import wait_until
from .conftest import drain, received

pytestmark = pytest.mark.django_db(transaction=True)


def test_50_events_three_times_concurrently_leave_50_messages(
    live_server, wired, other_wired, celery_worker
):
    events = [
        received(
            wired.e164,
            f"+1919555{2000 + index % 10:04d}",
            f"message {index}",
            message_id=f"replay-{index:04d}",
        )
        for index in range(50)
    ]
    deliveries = [event for event in events for _ in range(3)]
    random.Random(7).shuffle(deliveries)
    url = f"{live_server.url}/webhooks/bandwidth/messaging/"

    def deliver(event: dict) -> int:
        response = requests.post(
            url,
            data=json.dumps([event]),
            headers={"Content-Type": "application/json", "Authorization": wired.auth},
            timeout=30,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(deliver, deliveries))
    assert statuses == [200] * 150
    assert RawEvent.objects.count() == 50
    wait_until(lambda: not RawEvent.objects.filter(outcome="pending").exists())
    assert drain() == 0
    assert set(RawEvent.objects.values_list("outcome", flat=True)) == {"processed"}
    assert Message.objects.count() == 50
    assert RawEvent.objects.count() == 50
    assert Contact.objects.count() == 10 and Conversation.objects.count() == 10
    assert sum(Conversation.objects.values_list("unread_count", flat=True)) == 50
    assert not Message.objects.filter(tenant=other_wired.tenant).exists()
