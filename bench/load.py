"""The HTTP load generator: keep-alive connections on threads, paced (open loop) or closed loop.

Paced runs follow a schedule: request ``i`` is due at ``start + i / rate`` whatever happened to
the requests before it. A connection takes the next due request as soon as it is free, so a slow
server makes requests start late, and that lateness counts against them: every latency of a paced
run is measured from when the request was due, not from when it was sent (no coordinated
omission). Closed-loop runs (each connection sends as soon as its previous answer came) measure
the most a server answers, and report throughput only.
"""

from __future__ import annotations

import http.client
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


RequestFactory = Callable[[int], Request]


@dataclass(frozen=True)
class Sample:
    """One request; times are ``time.perf_counter()`` seconds."""

    index: int
    due: float
    started: float
    finished: float
    status: int

    @property
    def latency_ms(self) -> float:
        """From when the request was due (its scheduled time) to the end of its answer."""
        return (self.finished - self.due) * 1000

    @property
    def service_ms(self) -> float:
        """From when it was sent to the end of its answer (what a naive generator reports)."""
        return (self.finished - self.started) * 1000

    @property
    def start_lag_ms(self) -> float:
        return max(0.0, (self.started - self.due) * 1000)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (the smallest value with at least p% of values at or below it)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class LoadResult:
    mode: str  # "paced" or "closed"
    connections: int
    seconds: float = 0.0
    rate: float | None = None
    samples: list[Sample] = field(default_factory=list)
    wall_offset: float = 0.0
    """``time.time() - time.perf_counter()`` at the start: a sample's wall-clock time is its
    perf_counter time plus this."""

    @property
    def requests(self) -> int:
        return len(self.samples)

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if not 200 <= s.status < 300)

    @property
    def throughput(self) -> float:
        """Answered requests per second (2xx or not)."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ok_throughput(self) -> float:
        """Requests answered 2xx per second."""
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0

    def latencies_ms(self) -> list[float]:
        return [s.latency_ms for s in self.samples]

    def latency(self, p: float) -> float:
        return percentile(self.latencies_ms(), p)

    def statuses(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for sample in self.samples:
            counts[sample.status] = counts.get(sample.status, 0) + 1
        return dict(sorted(counts.items()))

    def wall(self, perf: float) -> float:
        return perf + self.wall_offset

    def summary(self) -> dict[str, object]:
        figures: dict[str, object] = {
            "mode": self.mode,
            "connections": self.connections,
            "requests": self.requests,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in self.statuses().items()},
            "seconds": round(self.seconds, 2),
            "req_per_s": round(self.throughput, 1),
            "ok_per_s": round(self.ok_throughput, 1),
        }
        if self.mode == "paced":
            lags = [s.start_lag_ms for s in self.samples]
            service = [s.service_ms for s in self.samples]
            figures.update(
                {
                    "rate": self.rate,
                    "p50_ms": round(self.latency(50), 2),
                    "p95_ms": round(self.latency(95), 2),
                    "p99_ms": round(self.latency(99), 2),
                    "max_ms": round(max(self.latencies_ms(), default=math.nan), 2),
                    # How much of the latency was waiting for a free connection: a server that
                    # falls behind shows here, and it is already inside the figures above.
                    "started_late_over_5ms": sum(1 for lag in lags if lag > 5),
                    "start_lag_p99_ms": round(percentile(lags, 99), 2),
                    "service_p99_ms": round(percentile(service, 99), 2),
                }
            )
        return figures


def _connect(base_url: str) -> http.client.HTTPConnection:
    parts = urlsplit(base_url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)


def _send(conn: http.client.HTTPConnection, request: Request) -> tuple[int, bytes]:
    conn.request(request.method, request.path, body=request.body, headers=request.headers)
    response = conn.getresponse()
    return response.status, response.read()


class _Runner:
    def __init__(
        self,
        base_url: str,
        make_request: RequestFactory,
        on_answer: Callable[[int, int, bytes], None] | None,
    ) -> None:
        self.base_url = base_url
        self.make_request = make_request
        self.on_answer = on_answer
        self.lock = threading.Lock()
        self.samples: list[Sample] = []
        self.next_index = 0

    def take(self) -> int:
        with self.lock:
            index = self.next_index
            self.next_index += 1
            return index

    def one(self, conn: http.client.HTTPConnection, index: int, due: float) -> bool:
        """Sends request ``index``; False when the connection broke (the caller reconnects)."""
        request = self.make_request(index)
        started = time.perf_counter()
        ok = True
        try:
            status, body = _send(conn, request)
        except (OSError, http.client.HTTPException):
            status, body, ok = 0, b"", False
        finished = time.perf_counter()
        if self.on_answer is not None:
            self.on_answer(index, status, body)
        with self.lock:
            self.samples.append(Sample(index, due, started, finished, status))
        return ok

    def run(self, connections: int, worker: Callable[[], None]) -> None:
        threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def paced(
    base_url: str,
    make_request: RequestFactory,
    *,
    rate: float,
    duration: float,
    connections: int,
    on_answer: Callable[[int, int, bytes], None] | None = None,
) -> LoadResult:
    """``rate`` requests per second for ``duration`` seconds on a fixed schedule, over at most
    ``connections`` requests in flight; latencies count from each request's due time."""
    runner = _Runner(base_url, make_request, on_answer)
    total = max(1, int(rate * duration))
    result = LoadResult(mode="paced", connections=connections, rate=rate)
    start = time.perf_counter() + 0.05
    result.wall_offset = time.time() - time.perf_counter()

    def worker() -> None:
        conn = _connect(base_url)
        while True:
            index = runner.take()
            if index >= total:
                break
            due = start + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            if not runner.one(conn, index, due):
                conn.close()
                conn = _connect(base_url)
        conn.close()

    runner.run(connections, worker)
    result.seconds = max((s.finished for s in runner.samples), default=start) - start
    result.samples = sorted(runner.samples, key=lambda s: s.index)
    return result


def closed(
    base_url: str,
    make_request: RequestFactory,
    *,
    duration: float,
    connections: int,
    on_answer: Callable[[int, int, bytes], None] | None = None,
) -> LoadResult:
    """Each connection sends its next request as soon as the last one was answered."""
    runner = _Runner(base_url, make_request, on_answer)
    result = LoadResult(mode="closed", connections=connections)
    start = time.perf_counter()
    result.wall_offset = time.time() - time.perf_counter()
    deadline = start + duration

    def worker() -> None:
        conn = _connect(base_url)
        while time.perf_counter() < deadline:
            now = time.perf_counter()
            if not runner.one(conn, runner.take(), now):
                conn.close()
                conn = _connect(base_url)
        conn.close()

    runner.run(connections, worker)
    result.seconds = time.perf_counter() - start
    result.samples = sorted(runner.samples, key=lambda s: s.index)
    return result
