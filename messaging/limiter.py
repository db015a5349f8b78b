"""One outbound rate limiter shared by every worker, counted in segments.

Each scope (the sending number, the tenant, the Bandwidth account) has a rate in segments per
second. A send of ``n`` segments may start only when every scope's previous work has drained
(a GCRA with no burst: "theoretical arrival time" per scope); it then pushes each scope's drain time
``n / rate`` further. This matches Bandwidth's per-number queues, which accept new work only while
the queue is short, and it never lets a burst through.

With Redis (the cache's Redis, as in production and tests) the check-and-set runs as one Lua script
on Redis's clock, so any number of worker processes and threads share it. ``make run``'s embedded
default has no Redis; it runs a single worker process, whose threads share the in-process limiter.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from django.conf import settings

_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local segments = tonumber(ARGV[1])
local margin = tonumber(ARGV[2])
local wait = 0
for i = 1, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat - now > wait then wait = tat - now end
end
if wait > 0 then
  return {0, tostring(wait)}
end
for i = 1, #KEYS do
  local rate = tonumber(ARGV[i + 2])
  local drained = now + segments / rate + margin
  redis.call('SET', KEYS[i], tostring(drained), 'PX', math.ceil((drained - now) * 1000) + 1000)
end
return {1, tostring(now)}
"""


@dataclass(frozen=True)
class Scope:
    key: str
    rate: float


@dataclass(frozen=True)
class Admission:
    admitted: bool
    wait: float
    at: float


class SegmentLimiter(Protocol):
    def try_acquire(self, scopes: list[Scope], segments: int) -> Admission: ...


class RedisSegmentLimiter:
    def __init__(self, url: str, margin: float = 0.0) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.script = self.client.register_script(_LUA)
        self.margin = margin

    def try_acquire(self, scopes: list[Scope], segments: int) -> Admission:
        scopes = [s for s in scopes if s.rate > 0]
        if not scopes:
            return Admission(True, 0.0, time.time())
        admitted, value = self.script(
            keys=[f"parley:rate:{s.key}" for s in scopes],
            args=[segments, self.margin, *[s.rate for s in scopes]],
        )
        if int(admitted):
            return Admission(True, 0.0, float(value))
        return Admission(False, float(value), time.time())


class LocalSegmentLimiter:
    """The same rule in one process (``make run``: one worker process with threads)."""

    def __init__(self, margin: float = 0.0) -> None:
        self._drained: dict[str, float] = {}
        self._lock = threading.Lock()
        self.margin = margin

    def try_acquire(self, scopes: list[Scope], segments: int) -> Admission:
        scopes = [s for s in scopes if s.rate > 0]
        with self._lock:
            now = time.time()
            wait = max([self._drained.get(s.key, 0.0) - now for s in scopes] + [0.0])
            if wait > 0:
                return Admission(False, wait, now)
            for scope in scopes:
                self._drained[scope.key] = now + segments / scope.rate + self.margin
            return Admission(True, 0.0, now)


def redis_url() -> str | None:
    cache = settings.CACHES["default"]
    if "redis" not in cache.get("BACKEND", "").lower():
        return None
    location = cache.get("LOCATION")
    if isinstance(location, list | tuple):
        location = location[0]
    return str(location) if location else None


@lru_cache(maxsize=4)
def _limiter_for(url: str | None, margin: float) -> SegmentLimiter:
    if url:
        return RedisSegmentLimiter(url, margin)
    return LocalSegmentLimiter(margin)


def shared_limiter() -> SegmentLimiter:
    margin = settings.MESSAGING_LIMITER_MARGIN_SECONDS
    return _limiter_for(redis_url(), margin)


def acquire(
    limiter: SegmentLimiter, scopes: list[Scope], segments: int, *, max_wait: float
) -> Admission:
    """Waits (sleeping) for a slot up to ``max_wait`` seconds; a refused Admission tells how long
    the caller should wait before trying again."""
    deadline = time.monotonic() + max_wait
    while True:
        admission = limiter.try_acquire(scopes, segments)
        if admission.admitted:
            return admission
        if time.monotonic() + admission.wait > deadline:
            return admission
        time.sleep(admission.wait + 0.001)
