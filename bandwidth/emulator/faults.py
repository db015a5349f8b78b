"""Injected failures, set through ``/_sim/faults``, applied before Bandwidth-API handlers."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestFault:
    """What to answer instead of running the handler."""

    status: int
    retry_after: int | None


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: list[tuple[RequestFault, str | None]] = []
        self.latency_seconds = 0.0
        self._duplicate_callbacks = 0

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

    def duplicate_next_callbacks(self, count: int = 1) -> None:
        with self._lock:
            self._duplicate_callbacks += count

    def take_request_fault(self, api: str) -> RequestFault | None:
        with self._lock:
            for index, (fault, only_api) in enumerate(self._failures):
                if only_api is None or only_api == api:
                    del self._failures[index]
                    return fault
            return None

    def take_duplicate_callback(self) -> bool:
        with self._lock:
            if self._duplicate_callbacks > 0:
                self._duplicate_callbacks -= 1
                return True
            return False

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()
            self.latency_seconds = 0.0
            self._duplicate_callbacks = 0

    def describe(self) -> dict[str, object]:
        with self._lock:
            return {
                "pending_failures": [
                    {"status": f.status, "retry_after": f.retry_after, "api": api}
                    for f, api in self._failures
                ],
                "latency_seconds": self.latency_seconds,
                "duplicate_callbacks": self._duplicate_callbacks,
            }
