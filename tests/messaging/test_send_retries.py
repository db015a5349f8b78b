"""Sends under Bandwidth's errors, through the one retry policy: the emulator over HTTP, the Redis
broker and a real worker."""

from __future__ import annotations

import re

import pytest

from messaging import services
from messaging.models import Message

from ..conftest import wait_until
from .conftest import emulator_messages

pytestmark = pytest.mark.django_db(transaction=True)


def _final(message: Message, timeout: float = 20.0) -> Message:
    def done() -> Message | None:
        message.refresh_from_db()
        return message if message.status in ("delivered", "failed") else None

    return wait_until(done, timeout=timeout)


def _send(line, to: str = "+19195550123", text: str = "Hello") -> Message:
    return services.message_send(
        tenant=line.tenant, from_number=line.e164, to=[to], text=text
    ).message


def _failures_left(bandwidth) -> int:
    return len(bandwidth.emulator.faults.describe()["pending_failures"])


def test_a_429_storm_is_retried_after_each_retry_after_then_fails_with_the_reason(
    line, celery_worker, bandwidth, settings
):
    settings.RETRY_HORIZON_SECONDS = 5.0
    bandwidth.emulator.faults.fail_next(50, 429, retry_after=2, api="messaging")

    message = _final(_send(line, text="Busy carrier"))

    assert message.status == "failed" and message.bandwidth_id == ""
    found = re.fullmatch(
        r"gave up after (\d+) attempts over ([\d.]+) s: 429: The queue for your account is full.*",
        message.error_description,
    )
    assert found, message.error_description
    attempts, elapsed = int(found[1]), float(found[2])
    # Each retry waited at least the 2 s Bandwidth asked for, so at most 3 attempts fit in 5 s
    # (with the 0.05 s backoff of these tests, ignoring Retry-After makes about one a second:
    # the number's own rate limit).
    assert 2 <= attempts <= 3 and elapsed >= 2 * (attempts - 1)
    assert message.dispatch_attempts == attempts == 50 - _failures_left(bandwidth)
    assert emulator_messages(bandwidth) == []
    assert not message.in_flight and message.dispatch_claimed_at is None


def test_a_5xx_then_success_sends_exactly_once(line, celery_worker, bandwidth):
    bandwidth.emulator.faults.fail_next(1, 503, api="messaging")

    message = _final(_send(line, text="Second time lucky"))

    assert message.status == "delivered" and message.error_description == ""
    assert message.dispatch_attempts == 2 and _failures_left(bandwidth) == 0
    sent = emulator_messages(bandwidth)
    assert [(m.id, m.text) for m in sent] == [(message.bandwidth_id, "Second time lucky")]


def test_a_400_fails_at_once_with_bandwidths_reason(line, celery_worker, bandwidth, settings):
    line.provisioning.messaging_application_id = "not-the-right-app"
    line.provisioning.save()

    message = _final(_send(line, text="Refused"))

    assert message.status == "failed" and message.dispatch_attempts == 1
    assert "is not the messaging application" in message.error_description
    assert "gave up" not in message.error_description
    assert emulator_messages(bandwidth) == []
