"""(h) Outgoing webhooks: fan-out throughput and domain event -> delivery sent.

A receiver in this process (threads, answering 204) stands in for the integrators. The first
``outgoing_tenants`` tenants of the fleet get ``outgoing_endpoints_per_tenant`` endpoints each,
listening for ``contact.opted_out``. Events are real domain changes: ``contact_opt_out`` in a
producer process, whose transaction writes the outbox row; the Celery workers fan out and send.

1. Throughput. ``outgoing_burst_events`` events recorded as fast as one process goes; deliveries
   a second = deliveries received / (last arrival - first event's timestamp).
2. Latency. ``outgoing_rate`` events a second for ``outgoing_seconds``; per delivery, arrival at
   the receiver - the event's ``timestamp`` (taken in the domain transaction): p50 and p99.

Rounds alternate the two. Every round also counts deliveries missing after the settle time and
``webhook-id``s received twice.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..config import BenchConfig
from ..environment import HOST, BenchEnvironment
from ..rounds import Figure, alternate
from .base import Outcome, loadavg

SETTLE_SECONDS = 120.0


class Receiver:
    """Records (webhook-id, event timestamp, arrival) for every delivery."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[str, float, float]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                arrived = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stamp = datetime.fromisoformat(json.loads(body)["timestamp"]).timestamp()
                with receiver.lock:
                    receiver.arrivals.append((self.headers["webhook-id"], stamp, arrived))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}/parley"

    def take(self) -> list[tuple[str, float, float]]:
        with self.lock:
            taken, self.arrivals = self.arrivals, []
        return taken

    def wait_for(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.arrivals) >= count:
                    return
            time.sleep(0.1)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def _round(
    env: BenchEnvironment,
    config: BenchConfig,
    receiver: Receiver,
    tenants: list[str],
    *,
    exchange: int,
    count: int,
    rate: float,
) -> dict[str, Any]:
    receiver.take()
    expected = count * config.outgoing_endpoints_per_tenant
    produced = env.django(
        "bench.outgoing",
        "events",
        "--exchange",
        str(exchange),
        "--count",
        str(count),
        "--rate",
        str(rate),
        *tenants,
    )
    receiver.wait_for(expected, SETTLE_SECONDS)
    arrivals = receiver.take()
    ids = [webhook_id for webhook_id, _, _ in arrivals]
    latencies = [arrived - stamp for _, stamp, arrived in arrivals]
    first_event = min((stamp for _, stamp, _ in arrivals), default=produced["started"])
    last_arrival = max((arrived for _, _, arrived in arrivals), default=first_event)
    span = max(1e-6, last_arrival - first_event)
    return {
        "exchange": exchange,
        "events": count,
        "rate": rate,
        "deliveries_expected": expected,
        "deliveries_received": len(arrivals),
        "missing": max(0, expected - len(set(ids))),
        "duplicates": len(ids) - len(set(ids)),
        "producer_seconds": round(produced["ended"] - produced["started"], 3),
        "deliveries_per_s": round(len(arrivals) / span, 1),
        "event_to_sent_p50_s": round(statistics.median(latencies), 4) if latencies else None,
        "event_to_sent_p99_s": round(_percentile(latencies, 99), 4),
        "loadavg": loadavg(),
    }


def run(env: BenchEnvironment, config: BenchConfig) -> Outcome:
    receiver = Receiver()
    try:
        tenants = [t["id"] for t in env.fleet[: config.outgoing_tenants]]
        env.django(
            "bench.outgoing",
            "endpoints",
            "--url",
            receiver.url,
            "--per-tenant",
            str(config.outgoing_endpoints_per_tenant),
            *tenants,
        )
        burst_count = config.outgoing_burst_events
        paced_count = max(1, round(config.outgoing_rate * config.outgoing_seconds))
        pairs = alternate(
            lambda r: _round(
                env, config, receiver, tenants, exchange=200 + r, count=burst_count, rate=0
            ),
            lambda r: _round(
                env,
                config,
                receiver,
                tenants,
                exchange=300 + r,
                count=paced_count,
                rate=config.outgoing_rate,
            ),
            config.rounds,
        )
    finally:
        receiver.stop()
    bursts = [pair[0] for pair in pairs]
    paced = [pair[1] for pair in pairs]

    def each(rounds: list[dict[str, Any]], key: str) -> tuple[float, ...]:
        return tuple(float(r[key]) if r[key] is not None else float("nan") for r in rounds)

    return Outcome(
        figures=[
            Figure("outgoing_deliveries_per_s", each(bursts, "deliveries_per_s"), "higher"),
            Figure("outgoing_event_to_sent_p50_s", each(paced, "event_to_sent_p50_s"), "lower"),
            Figure("outgoing_event_to_sent_p99_s", each(paced, "event_to_sent_p99_s"), "lower"),
            Figure(
                "outgoing_missing",
                tuple(
                    float(b["missing"] + p["missing"]) for b, p in zip(bursts, paced, strict=True)
                ),
                "lower",
            ),
        ],
        details={
            "tenants": config.outgoing_tenants,
            "endpoints_per_tenant": config.outgoing_endpoints_per_tenant,
            "celery_pool": f"{config.celery_pool} x {config.celery_concurrency}",
            "celery_workers": config.celery_workers,
            "rounds": [round_ for pair in pairs for round_ in pair],
        },
    )
