"""The retry policy's decisions: full jitter, Retry-After as a floor, the horizon, classification.

The behaviour through real tasks and the emulator is proven where the work lives
(tests/messaging/test_send_retries.py, tests/voice, tests/numbers)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bandwidth import errors
from core.retries import READS, SENDS, Verdict, span


@pytest.fixture(autouse=True)
def _backoff(settings):
    settings.RETRY_BASE_SECONDS = 2.0
    settings.RETRY_MAX_SECONDS = 60.0
    settings.RETRY_HORIZON_SECONDS = 600.0


def _transient(ambiguous: bool = False) -> errors.TransientError:
    return errors.TransientError("ConnectionError talking to Bandwidth", ambiguous=ambiguous)


def test_backoff_is_full_jitter_under_a_capped_exponential():
    for attempt, ceiling in [(1, 2.0), (2, 4.0), (3, 8.0), (6, 60.0), (20, 60.0)]:
        waits = [SENDS.backoff(attempt) for _ in range(300)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling * 0.8 and min(waits) < ceiling * 0.2


def test_retry_after_is_a_floor_with_a_little_spread():
    limited = errors.RateLimitedError("slow down", status=429, retry_after=7)
    waits = [SENDS.delay(limited, 1) for _ in range(200)]
    assert all(7 <= w <= 9 for w in waits)
    assert len({round(w, 3) for w in waits}) > 100


def test_rate_limited_transient_and_connection_errors_are_retried():
    since = timezone.now()
    for error in (
        errors.RateLimitedError("slow down", status=429, retry_after=1),
        errors.TransientError("Service Unavailable", status=503, ambiguous=False),
        _transient(),
    ):
        decision = SENDS.decide(error, attempts=1, since=since)
        assert decision is not None and decision.verdict is Verdict.RETRY


def test_a_refusal_fails_at_once_with_bandwidths_reason_in_words():
    refused = errors.ValidationError(
        "Bad request",
        status=400,
        field_errors=(errors.FieldError("applicationId", "is not the messaging application"),),
    )
    decision = SENDS.decide(refused, attempts=1, since=timezone.now())
    assert decision is not None and decision.verdict is Verdict.FAIL
    assert decision.reason == "applicationId: is not the messaging application"


def test_an_ambiguous_timeout_is_reconciled_on_a_send_and_retried_on_a_read():
    since = timezone.now()
    assert SENDS.decide(_transient(ambiguous=True), attempts=1, since=since).verdict == "reconcile"
    assert READS.decide(_transient(ambiguous=True), attempts=1, since=since).verdict == "retry"


def test_past_the_horizon_the_work_fails_with_how_long_it_tried_and_the_last_error(settings):
    settings.RETRY_HORIZON_SECONDS = 300.0
    limited = errors.RateLimitedError("Too many requests", status=429, retry_after=30)
    now = timezone.now()
    assert SENDS.decide(limited, attempts=4, since=now - timedelta(seconds=200), now=now).retry
    decision = SENDS.decide(limited, attempts=9, since=now - timedelta(seconds=290), now=now)
    assert decision is not None and decision.verdict is Verdict.FAIL
    assert decision.reason == "gave up after 9 attempts over 5 min: 429: Too many requests"


def test_errors_the_classification_does_not_know_are_left_to_propagate():
    assert SENDS.decide(KeyError("bug"), attempts=1, since=timezone.now()) is None


def test_a_horizon_of_its_own_and_more_retryable_errors_compose(settings):
    settings.VOICE_DIAL_HORIZON_SECONDS = 1.0
    dial = SENDS.with_horizon("VOICE_DIAL_HORIZON_SECONDS")
    since = timezone.now() - timedelta(seconds=2)
    assert dial.decide(_transient(), attempts=2, since=since).verdict is Verdict.FAIL
    assert SENDS.decide(_transient(), attempts=2, since=since).retry

    class NotYet(Exception):
        pass

    assert READS.decide(NotYet(), attempts=1, since=since) is None
    assert READS.also_retrying(NotYet).decide(NotYet(), attempts=1, since=since).retry


def test_durations_read_well():
    assert [span(2.44), span(720), span(3.5 * 3600)] == ["2.4 s", "12 min", "3.5 h"]


def test_a_schedule_replaces_the_exponential_steps_with_jitter_and_ends_the_work(settings):
    settings.WEBHOOK_SCHEDULE_UNDER_TEST = [5, 300, 1800]
    settings.SCHEDULED_HORIZON = 10 * 86400
    policy = SENDS.with_schedule("WEBHOOK_SCHEDULE_UNDER_TEST").with_horizon("SCHEDULED_HORIZON")
    for attempt, step in [(1, 5), (2, 300), (3, 1800)]:
        waits = [policy.backoff(attempt) for _ in range(300)]
        assert all(step * 0.8 <= w <= step * 1.2 for w in waits)
        assert max(waits) > step * 1.1 and min(waits) < step * 0.9
    start = timezone.now()
    error = _transient()
    assert policy.decide(error, attempts=3, since=start).verdict is Verdict.RETRY
    gave_up = policy.decide(error, attempts=4, since=start)
    assert gave_up.verdict is Verdict.FAIL and "gave up after 4 attempts" in gave_up.reason
