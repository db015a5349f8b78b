"""A small HTTP load generator: keep-alive connections on threads, closed or paced (open) loop."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

RequestFactory = Callable[[int], tuple[str, str, bytes, dict[str, str]]]


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def summary(self) -> dict[str, float | int | dict[int, int]]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "req_per_s": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else 0,
            "statuses": dict(sorted(self.statuses.items())),
        }


def run(
    base_url: str,
    make_request: RequestFactory,
    *,
    concurrency: int,
    duration: float,
    rate: float | None = None,
) -> LoadResult:
    """Sends requests for ``duration`` seconds; with ``rate`` (req/s in all) they are paced."""
    parts = urlsplit(base_url)
    result = LoadResult()
    lock = threading.Lock()
    counter = iter(range(10**9))
    deadline = time.perf_counter() + duration
    interval = concurrency / rate if rate else 0.0

    def worker(offset: float) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        next_at = time.perf_counter() + offset
        while True:
            if rate:
                pause = next_at - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                next_at += interval
            if time.perf_counter() >= deadline:
                break
            with lock:
                index = next(counter)
            method, path, body, headers = make_request(index)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                result.requests += 1
                result.latencies_ms.append(elapsed)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if not 200 <= status < 300:
                    result.errors += 1
        conn.close()

    threads = [
        threading.Thread(target=worker, args=(i * interval / concurrency if rate else 0.0,))
        for i in range(concurrency)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result
