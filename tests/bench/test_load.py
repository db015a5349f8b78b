"""The load generator measures paced requests from when they were due, not when they were sent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import load

STALL_SECONDS = 0.6


class _StallFirst(BaseHTTPRequestHandler):
    """Answers 200 at once, except the first request, which it holds for STALL_SECONDS."""

    protocol_version = "HTTP/1.1"
    seen = 0
    lock = threading.Lock()

    def do_GET(self) -> None:
        with self.lock:
            first = _StallFirst.seen == 0
            _StallFirst.seen += 1
        if first:
            time.sleep(STALL_SECONDS)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _StallFirst.seen = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _StallFirst)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _get(index: int) -> load.Request:
    return load.Request("GET", f"/item/{index}")


def test_paced_requests_follow_the_schedule_and_lateness_counts(server: str) -> None:
    result = load.paced(server, _get, rate=20, duration=1.0, connections=1)

    assert result.requests == 20
    assert result.errors == 0
    first, second = result.samples[0], result.samples[1]
    for sample in result.samples:
        assert sample.due - first.due == pytest.approx(sample.index / 20)
    # The second request was due while the first one stalled the only connection: it started
    # late, and its latency counts from when it was due, so the stall shows in it.
    assert second.started >= first.finished
    assert second.latency_ms >= (first.finished - second.due) * 1000
    assert second.latency_ms == pytest.approx((second.finished - second.due) * 1000)
    assert second.latency_ms - second.service_ms == pytest.approx(second.start_lag_ms)
    assert result.latency(99) >= (first.finished - second.due) * 1000
    assert result.summary()["started_late_over_5ms"] >= 1


def test_closed_loop_sends_back_to_back_and_counts_answers(server: str) -> None:
    result = load.closed(server, _get, duration=0.3, connections=2)

    assert result.requests == len({s.index for s in result.samples})
    assert result.errors == 0
    assert result.ok_throughput == pytest.approx(result.requests / result.seconds)
    assert result.summary()["mode"] == "closed"


def test_a_refused_connection_is_an_error_not_a_crash() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = load.paced(f"http://127.0.0.1:{port}", _get, rate=50, duration=0.1, connections=1)

    assert result.requests == 5
    assert result.errors == 5
    assert result.statuses() == {0: 5}


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert load.percentile(values, 99) == 99.0
    assert load.percentile(values, 100) == 100.0
    assert load.percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.0
