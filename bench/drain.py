"""The inbound drain benchmark: how fast stored webhook events become messages, with one and with
two workers, and how long a text waits between the webhook's answer and its message row.

1. Throughput. With the bench's Celery worker stopped, ``DRAIN_EVENTS`` pending events (the rows
   the webhook stores, 200 senders) are inserted in one statement; then 1, and in a second round
   2, drainer processes (the drain task's code, ``raw_events_drain_woken``, each in a process of
   its own, as on separate workers) start together and drain until nothing is pending. The rate
   is events / (last drainer done - first drainer started); each drainer's CPU time and the
   machine's load average say how much of the wall time was waiting for a core.
2. Latency. With the bench's Celery worker running again (threads, 4; 2 drain slots), and then
   with a second worker beside it, the inbound webhook is loaded at ``DRAIN_RATE`` req/s for the
   phase's duration, through the real path (wake-up, drain task, linger). For every message the
   time from the webhook storing its event (``RawEvent.received_at``, just before the webhook
   answers) to its message row (``Message.created_at``, in the drain's batch transaction, which
   commits within the batch) gives p50 and p99.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from . import load

ROOT = Path(__file__).resolve().parents[1]
DRAIN_EVENTS = int(os.environ.get("BENCH_DRAIN_EVENTS", "3000"))
DRAIN_RATE = float(os.environ.get("BENCH_DRAIN_RATE", "100"))

DRAINER = """
import json, os, sys, time
import django

django.setup()
from django.db import connection
from messaging import services

connection.ensure_connection()
print("ready", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.005)
started, cpu = time.time(), time.process_time()
handled = services.raw_events_drain_woken(linger=0)
ended, cpu = time.time(), time.process_time() - cpu
print(json.dumps({"handled": handled, "started": started, "ended": ended, "cpu": cpu}), flush=True)
"""


def _event(our: str, message_id: str, index: int) -> dict[str, Any]:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    return {
        "type": "message-received",
        "time": now,
        "description": "Incoming message received",
        "to": our,
        "message": {
            "id": message_id,
            "owner": our,
            "applicationId": "app-m",
            "time": now,
            "segmentCount": 1,
            "direction": "in",
            "to": [our],
            "from": f"+1984556{index % 200:04d}",
            "text": f"Drain benchmark {index}",
        },
    }


def _one(database_url: str, sql: str, params: tuple[Any, ...] = ()) -> Any:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(sql, params).fetchone()
        return row[0] if row else None


def _wait_until_drained(database_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    query = "SELECT count(*) FROM messaging_rawevent WHERE outcome = 'pending'"
    while _one(database_url, query):
        if time.monotonic() > deadline:
            raise RuntimeError(f"events still pending after {timeout:.0f} s")
        time.sleep(0.2)


def _seed_pending(env: Any, our: str, prefix: str, count: int) -> None:
    """Rows as the webhook stores them, inserted without a wake-up (nothing drains them yet)."""
    tenant = _one(env.database_url, "SELECT id FROM tenants_tenant WHERE slug = 'bench'")
    ids = [f"{prefix}{index:07d}" for index in range(count)]
    rows = [
        (tenant, message_id, our, our, json.dumps(_event(our, message_id, index)))
        for index, message_id in enumerate(ids)
    ]
    with psycopg.connect(env.database_url, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO messaging_rawevent (tenant_id, message_id, event_type, recipient,"
            " our_number, payload, outcome, error, received_at)"
            " VALUES (%s, %s, 'message-received', %s, %s, %s::jsonb, 'pending', '', now())",
            rows,
        )


def _throughput(env: Any, our: str, workers: int) -> dict[str, Any]:
    prefix = f"drain{workers}w"
    _seed_pending(env, our, prefix, DRAIN_EVENTS)
    child_env = {**env.env, "MESSAGING_DRAINERS": str(max(1, workers))}
    with tempfile.TemporaryDirectory() as folder:
        go = Path(folder) / "go"
        drainers = [
            subprocess.Popen(
                [sys.executable, "-c", DRAINER, str(go)],
                cwd=ROOT,
                env=child_env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(workers)
        ]
        for drainer in drainers:
            assert drainer.stdout is not None
            if drainer.stdout.readline().strip() != "ready":
                raise RuntimeError("a drainer did not start")
        go.touch()
        results = []
        for drainer in drainers:
            out, _ = drainer.communicate(timeout=300)
            results.append(json.loads(out.strip().splitlines()[-1]))
    seconds = max(r["ended"] for r in results) - min(r["started"] for r in results)
    stored = _one(
        env.database_url,
        "SELECT count(*) FROM messaging_message WHERE bandwidth_id LIKE %s",
        (f"{prefix}%",),
    )
    return {
        "workers": workers,
        "events": DRAIN_EVENTS,
        "messages_stored": stored,
        "handled_per_worker": [r["handled"] for r in results],
        "cpu_seconds_per_worker": [round(r["cpu"], 2) for r in results],
        "load_average_1min": round(os.getloadavg()[0], 2),
        "seconds": round(seconds, 2),
        "events_per_second": round(DRAIN_EVENTS / seconds, 1) if seconds else 0.0,
        "exactly_once": stored == DRAIN_EVENTS == sum(r["handled"] for r in results),
    }


def _latency(env: Any, workers: int, duration: float) -> dict[str, Any]:
    from .scenarios import OUR_NUMBER

    prefix = f"lat{workers}w"

    def inbound(index: int) -> tuple[str, str, bytes, dict[str, str]]:
        event = _event(OUR_NUMBER, f"{prefix}{index:07d}", index)
        headers = {"Content-Type": "application/json", "Authorization": env.authorization}
        return "POST", "/webhooks/bandwidth/messaging/", json.dumps([event]).encode(), headers

    sent = load.run(env.base_url, inbound, concurrency=16, duration=duration, rate=DRAIN_RATE)
    _wait_until_drained(env.database_url, timeout=300)
    with psycopg.connect(env.database_url, autocommit=True) as conn:
        waits = [
            float(row[0])
            for row in conn.execute(
                "SELECT extract(epoch FROM m.created_at - r.received_at) * 1000"
                " FROM messaging_message m JOIN messaging_rawevent r"
                " ON r.message_id = m.bandwidth_id AND r.event_type = 'message-received'"
                " WHERE m.bandwidth_id LIKE %s",
                (f"{prefix}%",),
            ).fetchall()
        ]
    timing = load.LoadResult(latencies_ms=waits)
    return {
        "workers": workers,
        "webhooks": sent.summary(),
        "messages_stored": len(waits),
        "accepted_to_stored_p50_ms": round(timing.percentile(50), 1),
        "accepted_to_stored_p99_ms": round(timing.percentile(99), 1),
        "accepted_to_stored_max_ms": round(max(waits), 1) if waits else None,
    }


def _start_worker(env: Any, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "4",
            "--loglevel",
            "WARNING",
            "-n",
            f"{name}@%h",
        ],
        cwd=ROOT,
        env=env.env,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def _wait_for_worker(env: Any, name: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        ping = subprocess.run(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "inspect", "ping"),
                *("-t", "2", "-d", f"{name}@{os.uname().nodename}"),
            ],
            cwd=ROOT,
            env=env.env,
            capture_output=True,
        )
        if ping.returncode == 0:
            return
        time.sleep(1)
    raise RuntimeError(f"Celery worker {name} did not answer a ping")


def messaging_drain(env: Any, duration: float) -> dict[str, Any]:
    """Drain throughput with 1 and 2 workers; webhook accepted -> message stored, p50/p99."""
    from .scenarios import OUR_NUMBER

    _wait_until_drained(env.database_url, timeout=600)  # what earlier scenarios stored
    _stop(env.processes["worker"])
    throughput = [_throughput(env, OUR_NUMBER, workers) for workers in (1, 2)]
    env.processes["worker"] = _start_worker(env, "bench")
    _wait_for_worker(env, "bench")
    latency = [_latency(env, 1, duration)]
    second = _start_worker(env, "bench-second")
    try:
        _wait_for_worker(env, "bench-second")
        latency.append(_latency(env, 2, duration))
    finally:
        _stop(second)
    return {"throughput": throughput, "latency": latency}
