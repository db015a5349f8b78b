"""(g) The inbound drain: how fast stored webhook events become messages with one and with two
drainers, and how long a text waits between the webhook's answer and its message with one and
with two Celery workers.

1. Throughput. With the Celery workers paused, ``drain_events`` pending events (the rows the
   webhook stores, spread over the fleet's numbers and tenants) are inserted in one statement,
   which wakes nothing; then 1 or 2 drainer processes (the drain task's code,
   ``raw_events_drain_woken``, each in a process of its own as on separate workers, with
   MESSAGING_DRAINERS slots) start together and drain until nothing is pending. The rate is
   events / (last drainer done - first drainer started). Rounds alternate 1 and 2 drainers; each
   round checks that every event became exactly one message.
2. Latency. Scenario (b)'s round (``inbound.sustained_round``) at ``drain_rate`` req/s for
   ``drain_seconds``, with 1 and then 2 Celery workers (alternating), through the real path
   (wake-up, drain task, linger): webhook answered -> message committed, p50 and p99.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg

from ..config import BenchConfig
from ..environment import ROOT, BenchEnvironment
from ..rounds import Figure, alternate
from .base import Fleet, Outcome, inbound_message, loadavg, message_id
from .inbound import sustained_round

# A Celery drain task lingers 2.5 s after its last event, holding a drain slot; the slots must be
# free before the drainers start, or a paused worker would hold one.
SLOTS_FREE_SECONDS = 4.0

DRAINER = """
import json, os, sys, time
import django

django.setup()
from django.db import connection
from messaging.models import RawEvent
from messaging.services import raw_events_drain_woken

connection.ensure_connection()
print("ready", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.005)
started, cpu = time.time(), time.process_time()
handled = 0
while True:
    count = raw_events_drain_woken(linger=0)
    handled += count
    if not count and not RawEvent.objects.filter(outcome="pending").exists():
        break
    if not count:
        time.sleep(0.05)
ended, cpu = time.time(), time.process_time() - cpu
print(json.dumps({"handled": handled, "started": started, "ended": ended, "cpu": cpu}), flush=True)
"""


def seed_pending(env: BenchEnvironment, fleet: Fleet, label: str, count: int) -> None:
    """Rows as the webhook stores them (request ``i`` to the fleet's line ``i``), inserted
    directly: no wake-up is published, so nothing drains them until the drainers start."""
    tenant_of = {number: t["id"] for t in env.fleet for number in t["numbers"]}
    rows = []
    for index in range(count):
        event = json.loads(inbound_message(fleet, label, index).body)[0]
        ours = event["to"]
        rows.append((tenant_of[ours], event["message"]["id"], ours, ours, json.dumps(event)))
    with psycopg.connect(env.database_url, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO messaging_rawevent (tenant_id, message_id, event_type, recipient,"
            " our_number, payload, outcome, error, rejection_reason, received_at)"
            " VALUES (%s, %s, 'message-received', %s, %s, %s::jsonb, 'pending', '', '', now())",
            rows,
        )


def _drainers(env: BenchEnvironment, count: int) -> list[dict[str, Any]]:
    child_env = {**env.env, "MESSAGING_DRAINERS": str(count)}
    with tempfile.TemporaryDirectory() as folder:
        go = Path(folder) / "go"
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", DRAINER, str(go)],
                cwd=ROOT,
                env=child_env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(count)
        ]
        try:
            for process in processes:
                assert process.stdout is not None
                if process.stdout.readline().strip() != "ready":
                    raise RuntimeError("a drainer did not start")
            go.touch()
            results = []
            for process in processes:
                out, _ = process.communicate(timeout=600)
                results.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
    return results


def throughput_round(
    env: BenchEnvironment, config: BenchConfig, fleet: Fleet, drainers: int, label: str
) -> dict[str, Any]:
    env.wait_for_drain(600)
    time.sleep(SLOTS_FREE_SECONDS)
    with env.workers_paused():
        seed_pending(env, fleet, label, config.drain_events)
        results = _drainers(env, drainers)
    seconds = max(r["ended"] for r in results) - min(r["started"] for r in results)
    stored, distinct = env.sql(
        "SELECT count(*), count(DISTINCT bandwidth_id) FROM messaging_message"
        " WHERE direction = 'in' AND bandwidth_id LIKE %s",
        (f"{message_id(label, 0)[:-8]}%",),
    )[0]
    handled = sum(r["handled"] for r in results)
    return {
        "label": label,
        "drainers": drainers,
        "events": config.drain_events,
        "messages_stored": int(stored),
        "distinct_messages": int(distinct),
        "handled_per_drainer": [r["handled"] for r in results],
        "cpu_seconds_per_drainer": [round(r["cpu"], 2) for r in results],
        "loadavg": loadavg(),
        "seconds": round(seconds, 3),
        "events_per_s": round(config.drain_events / seconds, 1) if seconds > 0 else 0.0,
        "not_exactly_once": abs(int(stored) - config.drain_events)
        + (int(stored) - int(distinct))
        + abs(handled - config.drain_events),
    }


def latency_round(
    env: BenchEnvironment, config: BenchConfig, fleet: Fleet, workers: int, label: str
) -> dict[str, Any]:
    """Scenario (b)'s round at the drain scenario's pace, with ``workers`` Celery workers."""
    env.wait_for_drain(600)
    env.set_celery_workers(workers)
    paced = replace(config, inbound_rate=config.drain_rate, inbound_seconds=config.drain_seconds)
    outcome = sustained_round(env, paced, fleet, label)
    outcome["celery_workers"] = workers
    outcome["backlog"] = outcome["backlog"][:: max(1, len(outcome["backlog"]) // 20)]
    return outcome


def run(env: BenchEnvironment, config: BenchConfig) -> Outcome:
    fleet = Fleet(env.fleet, config.senders_per_number)
    drain_pairs = alternate(
        lambda r: throughput_round(env, config, fleet, 1, f"g1d{r}"),
        lambda r: throughput_round(env, config, fleet, 2, f"g2d{r}"),
        config.rounds,
    )
    try:
        latency_pairs = alternate(
            lambda r: latency_round(env, config, fleet, 1, f"g1w{r}"),
            lambda r: latency_round(env, config, fleet, 2, f"g2w{r}"),
            config.rounds,
        )
    finally:
        env.set_celery_workers(config.celery_workers)
    one = [pair[0] for pair in drain_pairs]
    two = [pair[1] for pair in drain_pairs]
    one_w = [pair[0] for pair in latency_pairs]
    two_w = [pair[1] for pair in latency_pairs]

    def each(rounds: list[dict[str, Any]], key: str) -> tuple[float, ...]:
        return tuple(float(outcome[key]) for outcome in rounds)

    return Outcome(
        figures=[
            Figure("drain_eps_1", each(one, "events_per_s"), "higher"),
            Figure("drain_eps_2", each(two, "events_per_s"), "higher"),
            Figure(
                "drain_not_exactly_once",
                tuple(
                    a + b
                    for a, b in zip(
                        each(one, "not_exactly_once"), each(two, "not_exactly_once"), strict=True
                    )
                ),
                "lower",
            ),
            Figure("drain_stored_p50_s_1", each(one_w, "stored_p50_s"), "lower"),
            Figure("drain_stored_p99_s_1", each(one_w, "stored_p99_s"), "lower"),
            Figure("drain_stored_p50_s_2", each(two_w, "stored_p50_s"), "lower"),
            Figure("drain_stored_p99_s_2", each(two_w, "stored_p99_s"), "lower"),
        ],
        details={
            "events": config.drain_events,
            "rate": config.drain_rate,
            "seconds": config.drain_seconds,
            "celery_pool": f"{config.celery_pool} x {config.celery_concurrency}",
            "throughput_rounds": [round_ for pair in drain_pairs for round_ in pair],
            "latency_rounds": [round_ for pair in latency_pairs for round_ in pair],
        },
    )
