"""The woken drain: one broker publish for a flood of webhooks, and a Celery worker processing what
the requests stored, including events that arrive while wake-ups are throttled."""

from __future__ import annotations

import json

import pytest
import requests

from config.celery import app as celery_app
from messaging.models import Message, RawEvent

from ..conftest import wait_until
from .conftest import received

pytestmark = pytest.mark.django_db(transaction=True)


def _deliver(url: str, auth: str, events: list[dict]) -> requests.Response:
    return requests.post(
        f"{url}/webhooks/bandwidth/messaging/",
        data=json.dumps(events),
        headers={"Content-Type": "application/json", "Authorization": auth},
        timeout=30,
    )


def test_a_flood_of_webhooks_publishes_one_drain_task(live_server, wired):
    celery_app.control.purge()
    for index in range(5):
        event = received(wired.e164, "+19195550123", f"m{index}", message_id=f"flood-{index}")
        assert _deliver(live_server.url, wired.auth, [event]).status_code == 200
    assert RawEvent.objects.filter(outcome="pending").count() == 5
    assert celery_app.control.purge() == 1


def test_the_worker_processes_what_the_webhook_stored(
    live_server, wired, other_wired, celery_worker
):
    first = received(wired.e164, "+19195550123", "first", message_id="wk-1")
    assert _deliver(live_server.url, wired.auth, [first]).status_code == 200
    wait_until(lambda: Message.objects.filter(bandwidth_id="wk-1").exists())
    # Right after: this process does not ask for another wake-up yet; the drain still sees it.
    second = received(other_wired.e164, "+19195550124", "second", message_id="wk-2")
    assert _deliver(live_server.url, other_wired.auth, [second]).status_code == 200
    message = wait_until(lambda: Message.objects.filter(bandwidth_id="wk-2").first())
    assert message.tenant == other_wired.tenant and message.conversation.unread_count == 1
    assert Message.objects.get(bandwidth_id="wk-1").tenant == wired.tenant
    wait_until(lambda: not RawEvent.objects.filter(outcome="pending").exists())
