"""One retry policy for every piece of work that calls Bandwidth.

A ``RetryPolicy`` decides what happens after an error: another attempt after an exponential
backoff with full jitter (or after the ``Retry-After`` the service asked for), failing the work
at once, or reconciling it (a request that may have acted is never repeated blindly). Every
attempt counts against a horizon, the time since the first attempt: once the next attempt would
fall past it, the work fails with a reason such as
``gave up after 5 attempts over 12 min: 503: Service Unavailable``.

The policy knows no error types: a ``Classification`` says, as data, which errors are worth
another attempt, which fail the work, and which leave it ambiguous. The two Bandwidth
classifications at the end of this module are the ones Parley uses.

Work reaches the policy in one of two ways:

- ``RetryPolicy.task`` makes a Celery task of a function. An error the classification knows is
  decided there, counting attempts across the task's retries; a final verdict calls the task's
  ``give_up`` hook, which keeps the reason on the row.
- A service that keeps its attempts on its own row (a message's send) calls
  ``RetryPolicy.decide`` itself and raises ``RetryLater`` when another attempt is due; the task
  re-runs it after that many seconds.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from bandwidth import errors as bandwidth_errors

logger = logging.getLogger("parley.retries")


class Verdict(StrEnum):
    RETRY = "retry"
    FAIL = "fail"
    RECONCILE = "reconcile"


def _never(error: BaseException) -> bool:
    return False


def _retry_after(error: BaseException) -> float | None:
    value = getattr(error, "retry_after", None)
    return float(value) if value is not None else None


@dataclass(frozen=True)
class Classification:
    """What each error means for the work, as data.

    ``ambiguous`` errors (the request may have acted) are reconciled; ``retry`` types get another
    attempt; ``fail`` types fail the work at once. Any other exception is a bug, not the remote
    side's answer, and propagates untouched.
    """

    retry: tuple[type[BaseException], ...]
    fail: tuple[type[BaseException], ...]
    ambiguous: Callable[[BaseException], bool] = _never
    describe: Callable[[BaseException], str] = str
    retry_after: Callable[[BaseException], float | None] = _retry_after

    def verdict(self, error: BaseException) -> Verdict | None:
        if self.ambiguous(error):
            return Verdict.RECONCILE
        if isinstance(error, self.retry):
            return Verdict.RETRY
        if isinstance(error, self.fail):
            return Verdict.FAIL
        return None

    def also_retrying(self, *errors: type[BaseException]) -> Classification:
        return replace(self, retry=(*self.retry, *errors))


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str
    delay: float = 0.0

    @property
    def retry(self) -> bool:
        return self.verdict is Verdict.RETRY


class RetryLater(Exception):
    """Raised by a service that kept its own books: run the work again in ``seconds``."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"retry in {seconds:.1f} s")
        self.seconds = max(0.0, seconds)
        self.reason = reason


def span(seconds: float) -> str:
    """A duration in words: ``2.4 s``, ``12 min``, ``3.5 h``."""
    if seconds < 90:
        return f"{seconds:.1f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter between ``RETRY_BASE_SECONDS`` and
    ``RETRY_MAX_SECONDS``, ``Retry-After`` honoured, bounded by the horizon setting named by
    ``horizon_setting`` (seconds since the first attempt). Settings are read at each decision,
    so tests and deployments change them without new policy objects."""

    classification: Classification
    horizon_setting: str = "RETRY_HORIZON_SECONDS"
    schedule_setting: str | None = None
    """A setting naming fixed waits (seconds) between attempts, used instead of the exponential
    steps: the n-th failure waits the n-th entry, jittered by ``SCHEDULE_JITTER`` either way, and
    the work fails once every entry has been waited."""

    SCHEDULE_JITTER = 0.2

    def with_horizon(self, setting: str) -> RetryPolicy:
        return replace(self, horizon_setting=setting)

    def with_schedule(self, setting: str) -> RetryPolicy:
        return replace(self, schedule_setting=setting)

    @property
    def schedule(self) -> tuple[float, ...]:
        if self.schedule_setting is None:
            return ()
        return tuple(float(step) for step in getattr(settings, self.schedule_setting))

    def also_retrying(self, *errors: type[BaseException]) -> RetryPolicy:
        return replace(self, classification=self.classification.also_retrying(*errors))

    @property
    def horizon(self) -> float:
        return float(getattr(settings, self.horizon_setting))

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform between 0 and the capped exponential step of this attempt; with a
        schedule, that attempt's entry within plus or minus ``SCHEDULE_JITTER``."""
        steps = self.schedule
        if steps:
            step = steps[min(max(1, attempt), len(steps)) - 1]
            jitter = self.SCHEDULE_JITTER
            return step * random.uniform(1 - jitter, 1 + jitter)
        base = float(settings.RETRY_BASE_SECONDS)
        cap = float(settings.RETRY_MAX_SECONDS)
        return random.uniform(0, min(cap, base * 2 ** max(0, attempt - 1)))

    def delay(self, error: BaseException, attempt: int) -> float:
        """The wait before the next attempt. A ``Retry-After`` is a floor, never shortened; one
        jittered base step on top keeps the clients it refused from coming back together."""
        asked = self.classification.retry_after(error)
        if asked is not None:
            return max(0.0, asked) + self.backoff(1)
        return self.backoff(attempt)

    def decide(
        self,
        error: BaseException,
        *,
        attempts: int,
        since: datetime,
        now: datetime | None = None,
    ) -> Decision | None:
        """What to do after ``attempts`` attempts, the first at ``since``, ended in ``error``.
        None when the classification does not know the error (a bug: let it propagate)."""
        verdict = self.classification.verdict(error)
        if verdict is None:
            return None
        words = self.classification.describe(error)
        if verdict is not Verdict.RETRY:
            return Decision(verdict, words)
        elapsed = max(0.0, ((now or timezone.now()) - since).total_seconds())
        wait = self.delay(error, attempts)
        steps = self.schedule
        if (steps and attempts > len(steps)) or elapsed + wait > self.horizon:
            plural = "" if attempts == 1 else "s"
            reason = f"gave up after {attempts} attempt{plural} over {span(elapsed)}: {words}"
            return Decision(Verdict.FAIL, reason)
        return Decision(Verdict.RETRY, words, wait)

    def task(
        self, *, give_up: Callable[..., Any] | None = None, **options: Any
    ) -> Callable[[Callable[..., Any]], Task]:
        """A Celery task (named after the function, enqueued by reference) running the function
        under this policy.

        Attempts are the task's retries; the time of the first attempt travels with the retries
        (the ``retry_since`` keyword). ``RetryLater`` from the function re-runs it after its
        delay. A final verdict (fail, reconcile, horizon passed) calls
        ``give_up(*args, decision=..., **kwargs)``, which keeps the reason on the row; without a
        hook it is logged. Called directly (not by a worker), errors propagate as they are.
        """
        policy = self

        def register(function: Callable[..., Any]) -> Task:
            def run(task: Task, *args: Any, retry_since: float | None = None, **kwargs: Any) -> Any:
                since = retry_since if retry_since is not None else timezone.now().timestamp()
                again = {**kwargs, "retry_since": since}
                try:
                    return function(*args, **kwargs)
                except RetryLater as later:
                    raise task.retry(
                        args=args, kwargs=again, countdown=later.seconds, exc=later
                    ) from later
                except Exception as error:
                    decision = policy.decide(
                        error,
                        attempts=task.request.retries + 1,
                        since=datetime.fromtimestamp(since, UTC),
                    )
                    if decision is None:
                        raise
                    if decision.retry:
                        logger.info(
                            "%s%r: %s; again in %.1f s",
                            task.name,
                            args,
                            decision.reason,
                            decision.delay,
                        )
                        raise task.retry(
                            args=args, kwargs=again, countdown=decision.delay, exc=error
                        ) from error
                    if task.request.called_directly:
                        raise
                    logger.warning("%s%r: %s", task.name, args, decision.reason)
                    if give_up is not None:
                        give_up(*args, decision=decision, **kwargs)
                    return None

            run.__name__ = function.__name__
            run.__qualname__ = function.__qualname__
            run.__module__ = function.__module__
            run.__doc__ = function.__doc__
            return shared_task(bind=True, max_retries=None, **options)(run)

        return register


# --- Bandwidth -----------------------------------------------------------------------------------


def _bandwidth_ambiguous(error: BaseException) -> bool:
    return isinstance(error, bandwidth_errors.TransientError) and error.ambiguous


def _bandwidth_in_words(error: BaseException) -> str:
    field_errors = getattr(error, "field_errors", ())
    if field_errors:
        return "; ".join(f"{e.field}: {e.description}" for e in field_errors)
    if isinstance(error, bandwidth_errors.BandwidthError):
        return error.description if error.status is None else str(error)
    return str(error)


BANDWIDTH_ACTIONS = Classification(
    retry=(bandwidth_errors.RateLimitedError, bandwidth_errors.TransientError),
    fail=(bandwidth_errors.BandwidthError,),
    ambiguous=_bandwidth_ambiguous,
    describe=_bandwidth_in_words,
)
"""A request that acts (a send, a call): 429, 5xx and connection failures before the request
went out are retried; a timeout after it went out is reconciled; any other answer fails."""

BANDWIDTH_READS = replace(BANDWIDTH_ACTIONS, ambiguous=_never)
"""A request that can be repeated safely (a read, an idempotent step): a timeout is retried."""

SENDS = RetryPolicy(BANDWIDTH_ACTIONS)
READS = RetryPolicy(BANDWIDTH_READS)
