"""The outbound limiter: one Redis limiter shared by every worker process and thread."""

from __future__ import annotations

import itertools
import multiprocessing
from datetime import datetime
from numbers.models import PhoneNumber

import pytest

from messaging import services
from messaging.limiter import LocalSegmentLimiter, RedisSegmentLimiter, Scope, redis_url
from messaging.limiter import acquire as limiter_acquire
from messaging.models import Message

from ..conftest import wait_until
from .conftest import emulator_messages


def _worker(url: str, rate: float, count: int, results: multiprocessing.Queue) -> None:
    limiter = RedisSegmentLimiter(url)
    times = []
    for _ in range(count):
        admission = limiter_acquire(limiter, [Scope("number:+19195550101", rate)], 1, max_wait=30)
        assert admission.admitted
        times.append(admission.at)
    results.put(times)


def test_redis_limiter_spaces_sends_across_processes(settings):
    url = redis_url()
    assert url is not None, "tests run with the Redis cache"
    rate, per_process, processes = 20.0, 5, 4
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = context.Queue()
    workers = [
        context.Process(target=_worker, args=(url, rate, per_process, results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    times = sorted(t for _ in workers for t in results.get(timeout=60))
    for worker in workers:
        worker.join(timeout=10)
        assert worker.exitcode == 0
    assert len(times) == per_process * processes
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 1 / rate - 1e-6


def test_multi_segment_sends_take_longer_slots():
    limiter = LocalSegmentLimiter()
    scope = [Scope("number:x", 10.0)]
    assert limiter.try_acquire(scope, 3).admitted
    refused = limiter.try_acquire(scope, 1)
    assert not refused.admitted and 0.25 < refused.wait <= 0.3


def test_every_scope_must_have_room():
    limiter = LocalSegmentLimiter()
    assert limiter.try_acquire([Scope("number:a", 10), Scope("account:1", 1)], 1).admitted
    refused = limiter.try_acquire([Scope("number:b", 10), Scope("account:1", 1)], 1)
    assert not refused.admitted and refused.wait > 0.9


def _received_at(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


@pytest.mark.django_db(transaction=True)
def test_the_per_number_rate_is_never_exceeded_with_several_workers(line, celery_worker, bandwidth):
    """Four worker threads send 10 messages from two numbers at once; the emulator, which
    answers 429 when a number's queue overflows, never does, and it receives each number's
    messages at most one per second."""
    second = "+19195550109"
    bandwidth.emulator.state.put_in_service(
        second, line.provisioning.site_id, line.provisioning.peer_id
    )
    bandwidth.emulator.state.register_number(second)
    PhoneNumber.objects.create(
        tenant=line.tenant,
        number=second,
        status=PhoneNumber.Status.ACTIVE,
        messaging_status=PhoneNumber.MessagingStatus.READY,
    )
    sent = []
    for index in range(5):
        for number in (line.e164, second):
            sent.append(
                services.message_send(
                    tenant=line.tenant,
                    from_number=number,
                    to=[f"+1919555{1000 + index:04d}"],
                    text=f"burst {index}",
                ).message.pk
            )
    wait_until(
        lambda: Message.objects.filter(pk__in=sent, status="delivered").count() == 10, timeout=30
    )
    assert bandwidth.emulator.message_limiter.refusals == 0
    for number in (line.e164, second):
        times = sorted(
            _received_at(m.time) for m in emulator_messages(bandwidth) if m.from_ == number
        )
        assert len(times) == 5
        # Arrival times carry network and scheduling jitter, so the check allows one message of
        # slack per two-second window; without the limiter all five arrive within a fraction of
        # a second.
        busiest = max(sum(1 for t in times if start <= t < start + 2.0) for start in times)
        assert busiest <= 3, times
        assert times[-1] - times[0] >= 3.0, times
    assert max(Message.objects.filter(pk__in=sent).values_list("dispatch_attempts", flat=True)) == 1
