"""The woken drain: one broker publish for a flood of webhooks, and a Celery worker processing what
the requests stored, including events that arrive while wake-ups are throttled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.db import connection, transaction
from django.test import Client

from config.celery import app as celery_app
from core.locks import lock
from messaging import services
from messaging.models import Conversation, Message, RawEvent

from ..conftest import wait_until
from .conftest import post_events, received

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


def _store(client: Client, line, count: int, prefix: str, sender=None) -> list[str]:
    ids = []
    for index in range(count):
        message_id = f"{prefix}-{index:03d}"
        who = (sender(index) if sender else None) or f"+1919555{4000 + index:04d}"
        event = received(line.e164, who, f"text {index}", message_id=message_id)
        assert post_events(client, line.auth, [event]).status_code == 200
        ids.append(message_id)
    return ids


def _blocked_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'", [pid]
        )
        return cursor.fetchone() is not None


def _backend_gone(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is None


VICTIM = """
import django

django.setup()
from django.db import connection

from messaging import services

with connection.cursor() as cursor:
    cursor.execute("SELECT pg_backend_pid()")
    print(cursor.fetchone()[0], flush=True)
services.raw_events_drain(batch_size=10)
"""


def _start_victim() -> tuple[subprocess.Popen[str], int]:
    """A drainer in a process of its own, on the test database, draining batches of 10; returns
    the process and its database backend's pid."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    url = f"postgres://{quote(db['USER'])}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_POOL": "false", "PYTHONPATH": str(root)}
    victim = subprocess.Popen(
        [sys.executable, "-c", VICTIM], cwd=root, env=env, stdout=subprocess.PIPE, text=True
    )
    assert victim.stdout is not None
    return victim, int(victim.stdout.readline())


def _drain_in_thread(batch_size: int) -> None:
    try:
        services.raw_events_drain(batch_size=batch_size)
    finally:
        connection.close()


def test_a_drainer_killed_mid_batch_leaves_its_events_to_the_others_exactly_once(
    wired, other_wired
):
    client = Client()
    regular = "+19195559999"
    # The regular's conversation exists; the test will hold its row locked.
    _store(client, wired, 1, "before", sender=lambda i: regular)
    assert services.raw_events_drain() == 1
    conversation = Conversation.objects.get(tenant=wired.tenant)
    ours = _store(client, wired, 30, "kill-a", sender=lambda i: regular if i == 3 else None)
    theirs = _store(client, other_wired, 30, "kill-b")
    assert RawEvent.objects.filter(outcome="pending").count() == 60

    locked, release = threading.Event(), threading.Event()

    def hold_the_regulars_conversation() -> None:
        try:
            with transaction.atomic():
                Conversation.objects.select_for_update().get(pk=conversation.pk)
                locked.set()
                release.wait(60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_regulars_conversation)
    holder.start()
    assert locked.wait(10)
    victim, backend_pid = _start_victim()
    # The victim claims the first ten events, processes three and blocks on the fourth.
    wait_until(lambda: _blocked_on_a_lock(backend_pid), timeout=60)
    others = [threading.Thread(target=_drain_in_thread, args=(10,)) for _ in range(2)]
    for thread in others:
        thread.start()
    for thread in others:
        thread.join()
    victim.kill()
    assert victim.wait(10) == -signal.SIGKILL
    release.set()
    holder.join()
    wait_until(lambda: _backend_gone(backend_pid))

    # What the victim did died with it: its ten events are pending, none of their messages exist.
    pending = set(RawEvent.objects.filter(outcome="pending").values_list("message_id", flat=True))
    assert pending == set(ours[:10])
    assert not Message.objects.filter(bandwidth_id__in=ours[:10]).exists()

    assert services.raw_events_drain() == 10
    assert set(RawEvent.objects.values_list("outcome", flat=True)) == {"processed"}
    assert RawEvent.objects.count() == 61
    mine = Message.objects.filter(tenant=wired.tenant)
    assert sorted(mine.values_list("bandwidth_id", flat=True)) == sorted(["before-000", *ours])
    assert sorted(
        Message.objects.filter(tenant=other_wired.tenant).values_list("bandwidth_id", flat=True)
    ) == sorted(theirs)
    conversation.refresh_from_db()
    assert conversation.unread_count == 2 == conversation.messages.count()
    assert sum(Conversation.objects.values_list("unread_count", flat=True)) == 61


def test_drainers_are_bounded_by_their_slots_and_a_full_batch_wakes_another(
    wired, other_wired, settings
):
    settings.MESSAGING_DRAINERS = 2
    client = Client()
    _store(client, wired, 40, "slot-a")
    _store(client, other_wired, 40, "slot-b")
    celery_app.control.purge()
    busy = [lock(f"messaging-drain:{index}", 60) for index in range(2)]
    assert all(slot.acquire() for slot in busy)
    # Every slot is taken: a woken task leaves the events to the drainers holding them.
    assert services.raw_events_drain_woken(linger=0) == 0
    assert RawEvent.objects.filter(outcome="pending").count() == 80
    busy[1].release()
    assert services.raw_events_drain_woken(linger=0) == 80
    assert celery_app.control.purge() == 1, "its full first batch woke one more drainer"
    busy[0].release()
    assert Message.objects.filter(tenant=wired.tenant).count() == 40
    assert Message.objects.filter(tenant=other_wired.tenant).count() == 40


def test_a_batch_asks_what_its_events_share_once_and_forgets_it_after(wired, client):
    """Twenty texts to one number in one batch: the number's row, its after-hours text and
    whether a webhook endpoint listens are each read once, not once per text. The next batch
    reads them again, so an endpoint added in between hears of the next text."""
    from django.test.utils import CaptureQueriesContext

    from integrations import services as integrations_services
    from integrations.models import Event as WebhookEvent

    texts = [received(wired.e164, f"+1919555{i:04d}", "hi", message_id=f"q{i}") for i in range(20)]
    post_events(client, wired.auth, texts)
    with CaptureQueriesContext(connection) as queries:
        assert services.raw_events_drain() == 20
    assert Message.objects.filter(direction="in").count() == 20
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    for table in (
        "numbers_phonenumber",
        "messaging_afterhoursreply",
        "integrations_webhookendpoint",
    ):
        assert sum(f'FROM "{table}"' in sql for sql in reads) == 1, table

    integrations_services.webhook_endpoint_create(
        tenant=wired.tenant,
        url="https://hooks.example.com/parley",
        event_types=["message.received"],
    )
    post_events(client, wired.auth, [received(wired.e164, "+19195550999", "new", message_id="q99")])
    assert services.raw_events_drain() == 1
    assert WebhookEvent.objects.filter(tenant=wired.tenant, type="message.received").count() == 1
