"""One Idempotency-Key mechanism (core/idempotency.py) under every POST that creates something:
messages, number orders and click-to-calls, each proved the same way over HTTP with the
emulator: a repeat replays the first resource, another body with the key is refused and writes
nothing, concurrent repeats make one resource and one Bandwidth request, an over-long key is a
400 naming the header; then expiry, the purge task and the in-progress answer."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from numbers.models import NumberOrder
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from core import idempotency
from core.models import IdempotentRequest
from core.tasks import purge_idempotency_keys
from messaging.models import Conversation, DailySegmentUsage, Message
from tenants.models import Tenant
from voice.models import Call

from ..conftest import Line, wait_until
from ..messaging.conftest import emulator_messages
from ..numbers.conftest import search

pytestmark = pytest.mark.django_db(transaction=True)

REPLAYED = "Idempotent-Replayed"
CUSTOMER = "+19195558800"
AGENT = "+19195550111"


@dataclass
class Endpoint:
    """One Idempotency-Key endpoint, seen from one tenant."""

    url: str
    body: dict[str, Any]
    other_body: dict[str, Any]
    status: int
    resource_of: Callable[[dict[str, Any]], Any]
    resources: Callable[[], int]
    bandwidth_requests: Callable[[], int]
    settled: Callable[[], bool]


def _messages(line: Line, client: APIClient, bandwidth: Any) -> Endpoint:
    mine = Message.objects.filter(tenant=line.tenant)
    return Endpoint(
        url="/api/v1/messages/",
        body={"from": line.e164, "to": [CUSTOMER], "text": "Exactly once"},
        other_body={"from": line.e164, "to": ["+19195558801"], "text": "Something else"},
        status=202,
        resource_of=lambda body: body["id"],
        resources=mine.count,
        bandwidth_requests=lambda: len(
            [m for m in emulator_messages(bandwidth) if m.from_ == line.e164]
        ),
        settled=lambda: not mine.filter(bandwidth_id="").exists(),
    )


def _numbers(line: Line, client: APIClient, bandwidth: Any) -> Endpoint:
    # Another tenant's purchase may still be on its way to Bandwidth, so its numbers can be
    # offered and then filtered out here: ask for more than the two this endpoint needs.
    first, second = (o["number"] for o in search(client, area_code="919", quantity=6)[:2])
    mine = NumberOrder.objects.filter(tenant=line.tenant)

    def placed() -> int:
        ours = set(mine.values_list("customer_order_id", flat=True))
        with bandwidth.emulator.state.lock:
            orders = list(bandwidth.emulator.state.orders.values())
        return len([o for o in orders if o.customer_order_id in ours])

    return Endpoint(
        url="/api/v1/numbers/",
        body={"numbers": [first]},
        other_body={"numbers": [second]},
        status=201,
        resource_of=lambda body: body["order"]["id"],
        resources=mine.count,
        bandwidth_requests=placed,
        settled=lambda: not mine.filter(bandwidth_order_id__isnull=True).exists(),
    )


def _calls(line: Line, client: APIClient, bandwidth: Any) -> Endpoint:
    mine = Call.objects.filter(tenant=line.tenant)

    def dialed() -> int:
        calls = bandwidth.emulator.voice.calls_for_display()
        return len([c for c in calls if c["from"] == line.e164 and not c["parent_call_id"]])

    return Endpoint(
        url="/api/v1/calls/",
        body={"from": line.e164, "to": CUSTOMER, "agent": AGENT},
        other_body={"from": line.e164, "to": "+19195558801", "agent": AGENT},
        status=202,
        resource_of=lambda body: body["id"],
        resources=mine.count,
        bandwidth_requests=dialed,
        settled=lambda: not mine.filter(bandwidth_call_id__isnull=True).exists(),
    )


ENDPOINTS = {"messages": _messages, "numbers": _numbers, "calls": _calls}


@pytest.fixture(params=list(ENDPOINTS))
def endpoint_for(request: Any, bandwidth: Any) -> Callable[[Line, APIClient], Endpoint]:
    def make(line: Line, client: APIClient) -> Endpoint:
        return ENDPOINTS[request.param](line, client, bandwidth)

    return make


def post(client: APIClient, endpoint: Endpoint, body: dict[str, Any], key: str) -> Any:
    return client.post(endpoint.url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def keys_of(tenant: Tenant) -> int:
    return IdempotentRequest.objects.filter(tenant=tenant).count()


def test_a_repeat_answers_with_the_first_resource_and_the_replay_header(
    endpoint_for, line, tenant_api, other_line, other_api, celery_worker
):
    endpoint = endpoint_for(line, tenant_api)

    first = post(tenant_api, endpoint, endpoint.body, "order-42")
    again = post(tenant_api, endpoint, endpoint.body, "order-42")
    theirs = endpoint_for(other_line, other_api)
    other_tenant = post(other_api, theirs, theirs.body, "order-42")

    assert first.status_code == again.status_code == endpoint.status, again.content
    assert REPLAYED not in first and again[REPLAYED] == "true"
    assert endpoint.resource_of(again.json()) == endpoint.resource_of(first.json())
    assert keys_of(line.tenant) == 1
    # The same key is another tenant's own.
    assert other_tenant.status_code == endpoint.status and REPLAYED not in other_tenant
    wait_until(endpoint.settled)
    wait_until(theirs.settled)
    assert endpoint.resources() == 1 and endpoint.bandwidth_requests() == 1
    assert theirs.resources() == 1 and theirs.bandwidth_requests() == 1


def test_the_key_with_another_body_is_a_409_and_writes_nothing(
    endpoint_for, line, tenant_api, celery_worker
):
    endpoint = endpoint_for(line, tenant_api)
    first = post(tenant_api, endpoint, endpoint.body, "k-1")
    assert first.status_code == endpoint.status
    conversations = Conversation.objects.count()

    reused = post(tenant_api, endpoint, endpoint.other_body, "k-1")

    assert reused.status_code == 409, reused.content
    error = reused.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in error["fields"] and "Idempotency-Key" in error["message"]
    assert REPLAYED not in reused
    assert keys_of(line.tenant) == 1 and Conversation.objects.count() == conversations
    wait_until(endpoint.settled)
    assert endpoint.resources() == 1 and endpoint.bandwidth_requests() == 1


def _waiting_backends() -> int:
    """Sessions of this test database waiting for a lock. (Only pg_locks, which is live:
    pg_stat_activity is a snapshot for the rest of the caller's transaction.)"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted "
            "AND pid <> pg_backend_pid() AND pid IN (SELECT pid FROM pg_locks WHERE database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()))"
        )
        return int(cursor.fetchone()[0])


def _post_in_thread(token: str, endpoint: Endpoint, key: str, answers: list[Any]) -> Any:
    def run() -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
            answers.append(post(client, endpoint, endpoint.body, key))
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_concurrent_requests_make_one_resource_and_one_bandwidth_request(
    endpoint_for, line, tenant_api, make_token, celery_worker
):
    endpoint = endpoint_for(line, tenant_api)
    token = make_token(line.tenant)
    answers: list[Any] = []
    threads = []
    try:
        # Holding the tenant's row keeps the first request inside its transaction after it has
        # claimed the key, until the second is waiting too: they truly overlap.
        with transaction.atomic():
            Tenant.objects.select_for_update().get(pk=line.tenant.pk)
            threads = [_post_in_thread(token, endpoint, "same-key", answers) for _ in range(2)]
            wait_until(lambda: _waiting_backends() >= 2)
    finally:
        for thread in threads:
            thread.join(timeout=30)

    assert sorted(a.status_code for a in answers) == [endpoint.status, endpoint.status]
    assert len({endpoint.resource_of(a.json()) for a in answers}) == 1
    assert sorted(a.get(REPLAYED, "") for a in answers) == ["", "true"]
    assert endpoint.resources() == 1 and keys_of(line.tenant) == 1
    wait_until(endpoint.settled)
    assert endpoint.bandwidth_requests() == 1


def test_an_over_long_key_is_a_400_naming_the_header(endpoint_for, line, tenant_api):
    endpoint = endpoint_for(line, tenant_api)

    response = post(tenant_api, endpoint, endpoint.body, "k" * 256)

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_idempotency_key"
    assert "Idempotency-Key" in error["fields"] and "255" in error["message"]
    assert endpoint.resources() == 0 and keys_of(line.tenant) == 0
    longest = post(tenant_api, endpoint, endpoint.body, "k" * 255)
    assert longest.status_code == endpoint.status, longest.content


def test_a_repeat_while_the_first_is_still_running_gets_in_progress(
    line, tenant_api, make_token, bandwidth, monkeypatch
):
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.5)
    endpoint = _messages(line, tenant_api, bandwidth)
    token = make_token(line.tenant)
    today = timezone.localdate(timezone.now(), ZoneInfo(line.tenant.timezone))
    DailySegmentUsage.objects.create(tenant=line.tenant, day=today)
    first: list[Any] = []
    second: list[Any] = []
    with transaction.atomic():
        # The first request claims the key, then waits here for the daily counter.
        DailySegmentUsage.objects.select_for_update().get(tenant=line.tenant, day=today)
        slow = _post_in_thread(token, endpoint, "busy", first)
        wait_until(lambda: _waiting_backends() >= 1)
        _post_in_thread(token, endpoint, "busy", second).join(timeout=30)
    slow.join(timeout=30)

    assert second[0].status_code == 409, second[0].content
    error = second[0].json()["error"]
    assert error["code"] == "idempotency_key_in_progress" and "Idempotency-Key" in error["fields"]
    assert first[0].status_code == 202
    assert Message.objects.filter(tenant=line.tenant).count() == 1
    later = post(tenant_api, endpoint, endpoint.body, "busy")
    assert later.status_code == 202 and later[REPLAYED] == "true"
    assert later.json()["id"] == first[0].json()["id"]


def test_an_expired_key_makes_a_new_resource(line, tenant_api, bandwidth):
    endpoint = _messages(line, tenant_api, bandwidth)
    first = post(tenant_api, endpoint, endpoint.body, "k")
    IdempotentRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    second = post(tenant_api, endpoint, endpoint.body, "k")

    assert second.status_code == 202 and REPLAYED not in second
    assert second.json()["id"] != first.json()["id"]
    assert keys_of(line.tenant) == 1
    assert IdempotentRequest.objects.get().resource_id == str(second.json()["id"])


def test_the_purge_task_deletes_expired_keys_only(
    line, other_line, tenant_api, other_api, bandwidth
):
    for client, each in ((tenant_api, line), (other_api, other_line)):
        endpoint = _messages(each, client, bandwidth)
        assert post(client, endpoint, endpoint.body, "old").status_code == 202
        assert post(client, endpoint, endpoint.body, "new").status_code == 202
    IdempotentRequest.objects.filter(key="old").update(expires_at=timezone.now())

    assert purge_idempotency_keys() == 2

    assert sorted(IdempotentRequest.objects.values_list("key", flat=True)) == ["new", "new"]
