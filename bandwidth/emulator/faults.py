"""Injected failures, set through ``/_sim/faults``, applied before Bandwidth-API handlers."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestFault:
    """What to answer instead of running the handler."""

    status: int
    retry_after: int | None


@dataclass(frozen=True)
class Storm:
    """Until ``until`` (monotonic), each request (of ``api`` only, when given) fails with
    probability ``ratio``, answering one of ``statuses`` at random."""

    until: float
    ratio: float
    statuses: tuple[int, ...]
    retry_after: int
    api: str | None


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: list[tuple[RequestFault, str | None]] = []
        self.latency_seconds = 0.0
        self._duplicate_callbacks = 0
        self._duplicate_copies = 2
        self._storm: Storm | None = None
        self.injected = 0
        """Requests answered with an injected failure since the emulator started."""

    def fail_next(
        self, count: int, status: int = 429, retry_after: int | None = 1, api: str | None = None
    ) -> None:
        """The next ``count`` requests (of ``api`` only, when given) answer ``status``."""
        fault = RequestFault(status, retry_after if status == 429 else None)
        with self._lock:
            self._failures.extend([(fault, api)] * count)

    def set_latency(self, seconds: float) -> None:
        with self._lock:
            self.latency_seconds = max(0.0, seconds)

    def duplicate_next_callbacks(self, count: int = 1, copies: int = 2) -> None:
        """Each of the next ``count`` callbacks is delivered ``copies`` times (a storm of
        duplicates when large), all copies falling due together."""
        with self._lock:
            self._duplicate_callbacks += count
            self._duplicate_copies = max(2, copies)

    def start_storm(
        self,
        seconds: float,
        ratio: float,
        statuses: tuple[int, ...] = (429, 500, 502, 503),
        retry_after: int = 1,
        api: str | None = None,
    ) -> None:
        """For ``seconds`` from now, a ``ratio`` of requests fail (on top of ``fail_next``)."""
        with self._lock:
            self._storm = Storm(
                time.monotonic() + seconds, min(1.0, max(0.0, ratio)), statuses, retry_after, api
            )

    def take_request_fault(self, api: str) -> RequestFault | None:
        with self._lock:
            for index, (fault, only_api) in enumerate(self._failures):
                if only_api is None or only_api == api:
                    del self._failures[index]
                    self.injected += 1
                    return fault
            storm = self._storm
            if storm is None or storm.until <= time.monotonic():
                self._storm = None
                return None
            if storm.api not in (None, api) or random.random() >= storm.ratio:
                return None
            status = random.choice(storm.statuses)
            self.injected += 1
            return RequestFault(status, storm.retry_after if status == 429 else None)

    def take_callback_copies(self) -> int:
        """How many times the callback being scheduled is delivered (1 unless duplicated)."""
        with self._lock:
            if self._duplicate_callbacks > 0:
                self._duplicate_callbacks -= 1
                return self._duplicate_copies
            return 1

    def take_duplicate_callback(self) -> bool:
        return self.take_callback_copies() > 1

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()
            self.latency_seconds = 0.0
            self._duplicate_callbacks = 0
            self._duplicate_copies = 2
            self._storm = None

    def describe(self) -> dict[str, object]:
        with self._lock:
            return {
                "pending_failures": [
                    {"status": f.status, "retry_after": f.retry_after, "api": api}
                    for f, api in self._failures
                ],
                "latency_seconds": self.latency_seconds,
                "injected": self.injected,
                "duplicate_callbacks": self._duplicate_callbacks,
                "duplicate_copies": self._duplicate_copies,
                "storm": None
                if self._storm is None
                else {
                    "seconds_left": round(max(0.0, self._storm.until - time.monotonic()), 1),
                    "ratio": self._storm.ratio,
                    "statuses": list(self._storm.statuses),
                    "retry_after": self._storm.retry_after,
                    "api": self._storm.api,
                },
            }
