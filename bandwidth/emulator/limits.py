"""Messaging queue limits, counted in segments as Bandwidth counts them.

Each sending number and the account have a queue drained at a fixed rate (segments per second).
A message is accepted while the queue's backlog stays within ``queue_seconds`` of work (an empty
queue always accepts one message); otherwise the send is refused with the seconds to wait.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class QueueRefusal:
    scope: str
    retry_after: int
    rate: float
    capacity: float


@dataclass
class RequestWindow:
    """At most ``limit`` requests per ``seconds`` for each key (a sliding window)."""

    limit: int
    seconds: float
    _times: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, key: str, now: float | None = None) -> int | None:
        """None when admitted, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._times.setdefault(key, deque())
            while times and times[0] <= now - self.seconds:
                times.popleft()
            if len(times) >= self.limit:
                return max(1, math.ceil(times[0] + self.seconds - now))
            times.append(now)
            return None


@dataclass
class SegmentLimiter:
    rate_per_number: float
    rate_per_account: float
    queue_seconds: float
    _drained_at: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    refusals: int = 0

    def admit(self, number: str, segments: int, now: float | None = None) -> QueueRefusal | None:
        """Queue ``segments`` for ``number`` and the account, or say why not (queuing nothing)."""
        now = time.monotonic() if now is None else now
        scopes = (("number:" + number, self.rate_per_number), ("account", self.rate_per_account))
        with self._lock:
            for key, rate in scopes:
                if rate <= 0:
                    continue
                backlog = max(0.0, self._drained_at.get(key, now) - now)
                work = segments / rate
                if backlog > 0 and backlog + work > self.queue_seconds:
                    self.refusals += 1
                    wait = backlog + work - self.queue_seconds
                    return QueueRefusal(
                        scope=key.partition(":")[0],
                        retry_after=max(1, math.ceil(wait)),
                        rate=rate,
                        capacity=rate * self.queue_seconds,
                    )
            for key, rate in scopes:
                if rate <= 0:
                    continue
                backlog = max(0.0, self._drained_at.get(key, now) - now)
                self._drained_at[key] = now + backlog + segments / rate
        return None
