"""(b) Sustained inbound: 300 webhook requests a second for 60 s, end to end.

Each round paces one-event requests over the fleet (open loop: latencies count from when each
request was due) while a sampler records the backlog (pending raw events) twice a second. For
every request answered 2xx, the time from its answer to its message being committed (a NOTIFY
from the bench database, see ``bench.listener``) is the webhook-to-stored latency. After the load
stops the round waits for every accepted message: the time from the last answer to the last
message stored is how long the Celery workers took to bring the backlog back to zero. A message
still missing after ``inbound_settle_seconds`` counts with that time (a lower bound), and the
round reports how many were missing. Each round starts with no backlog.

The number of Celery workers is ``BENCH_CELERY_WORKERS`` (``python -m bench --celery-workers``).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg

from .. import load
from ..config import BenchConfig
from ..environment import BenchEnvironment
from ..load import percentile
from ..rounds import Figure
from .base import Fleet, Outcome, inbound_message, loadavg, message_id, warm_up

SAMPLE_SECONDS = 0.5


class BacklogSampler:
    """Pending raw events over time, on a connection of its own."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="backlog", daemon=True)

    def __enter__(self) -> BacklogSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self._stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM messaging_rawevent WHERE outcome = 'pending'"
                ).fetchone()
                self.samples.append((time.time(), int(row[0]) if row else 0))
                self._stop.wait(SAMPLE_SECONDS)


def sustained_round(
    env: BenchEnvironment, config: BenchConfig, fleet: Fleet, label: str
) -> dict[str, Any]:
    accepted: dict[str, float] = {}
    lock = threading.Lock()

    def answered(index: int, status: int, body: bytes) -> None:
        if 200 <= status < 300:
            at = time.time()
            with lock:
                accepted[message_id(label, index)] = at

    with BacklogSampler(env.database_url) as sampler:
        result = load.paced(
            env.base_url,
            lambda i: inbound_message(fleet, label, i),
            rate=config.inbound_rate,
            duration=config.inbound_seconds,
            connections=config.inbound_connections,
            on_answer=answered,
        )
        load_end = max(accepted.values(), default=time.time())
        ids = set(accepted)
        deadline = load_end + config.inbound_settle_seconds
        while env.listener.count_of(ids) < len(ids) and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(SAMPLE_SECONDS)
    stored = env.listener.times_for(sorted(ids))
    missing = len(ids) - len(stored)
    latencies = [stored.get(i, deadline) - accepted[i] for i in ids]
    last_stored = max(stored.values(), default=load_end) if not missing else deadline
    first = min(accepted.values(), default=load_end)
    start = result.wall(min((s.due for s in result.samples), default=0.0))
    backlog = [(round(t - start, 2), n) for t, n in sampler.samples]
    return {
        "label": label,
        "loadavg": loadavg(),
        "webhook": result.summary(),
        "accepted": len(ids),
        "stored": len(stored),
        "missing_after_settle": missing,
        "stored_p50_s": percentile(latencies, 50),
        "stored_p99_s": percentile(latencies, 99),
        "stored_max_s": max(latencies, default=float("nan")),
        "drain_after_stop_s": max(0.0, last_stored - load_end),
        "drain_events_per_s": round(len(stored) / (last_stored - first), 1)
        if last_stored > first
        else None,
        "intake_ok_per_s": result.ok_throughput,
        "backlog_max": max((n for _, n in sampler.samples), default=0),
        "backlog": backlog,
        "failed_events": int(
            env.sql(
                "SELECT count(*) FROM messaging_rawevent WHERE outcome = 'failed' "
                "AND message_id LIKE %s",
                (f"bench-{label}-%",),
            )[0][0]
        ),
    }


def run(env: BenchEnvironment, config: BenchConfig) -> Outcome:
    fleet = Fleet(env.fleet, config.senders_per_number)
    warm = warm_up(env, lambda i: inbound_message(fleet, "b-warm", i), fleet)
    rounds = []
    for r in range(config.rounds):
        idle = env.wait_for_drain(600)
        outcome = sustained_round(env, config, fleet, f"b{r}")
        outcome["waited_for_idle_s"] = round(idle, 1)
        rounds.append(outcome)
    for outcome in rounds[:-1]:
        outcome["backlog"] = outcome["backlog"][:: max(1, len(outcome["backlog"]) // 40)]

    def each(key: str) -> tuple[float, ...]:
        return tuple(float(outcome[key]) for outcome in rounds)

    return Outcome(
        figures=[
            Figure("inbound_stored_p99_s", each("stored_p99_s"), "lower"),
            Figure("inbound_stored_p50_s", each("stored_p50_s"), "lower"),
            Figure("inbound_drain_after_stop_s", each("drain_after_stop_s"), "lower"),
            Figure(
                "inbound_webhook_p99_ms",
                tuple(float(o["webhook"]["p99_ms"]) for o in rounds),
                "lower",
            ),
            Figure("inbound_intake_rps", each("intake_ok_per_s"), "higher"),
            Figure("inbound_backlog_max", each("backlog_max"), "lower"),
        ],
        details={
            "rate": config.inbound_rate,
            "seconds": config.inbound_seconds,
            "celery_workers": config.celery_workers,
            "celery_pool": f"{config.celery_pool} x {config.celery_concurrency}",
            "warm_up": warm,
            "rounds": rounds,
        },
    )
