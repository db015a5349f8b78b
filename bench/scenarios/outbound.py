"""(c) Outbound dispatch against Bandwidth's limits: 20 numbers, each allowed 1 segment a second
by the emulator (``bandwidth/emulator/limits.py``; the account allows more than all of them).

Each round queues the same number of one-segment messages on every number through
``message_send`` (round-robin over the numbers, committed at once) and lets the Celery workers
dispatch them. From what the emulator accepted: the achieved rate is (accepted - numbers) /
(last acceptance - first acceptance), against the allowed numbers x 1/s (1.00 is every number
sending at its limit from its first message to its last); the 429s the emulator answered; and
the duplicates (a message's tag accepted more than once).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from ..config import BenchConfig
from ..environment import BenchEnvironment
from ..rounds import Figure
from .base import Outcome, loadavg


def _numbers(env: BenchEnvironment, config: BenchConfig) -> list[str]:
    per_tenant = config.outbound_numbers_per_tenant
    tenants = -(-config.outbound_numbers // per_tenant)
    numbers = [n for t in env.fleet[:tenants] for n in t["numbers"][:per_tenant]]
    return numbers[: config.outbound_numbers]


def _when(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _wait_dispatched(env: BenchEnvironment, label: str, timeout: float) -> dict[str, int]:
    """Waits until none of the round's messages is still queued; returns their statuses."""
    deadline = time.monotonic() + timeout
    while True:
        rows = env.sql(
            "SELECT status, count(*) FROM messaging_message WHERE tag LIKE %s GROUP BY status",
            (f"bench-{label}-%",),
        )
        statuses = {str(status): int(count) for status, count in rows}
        if not statuses.get("queued") or time.monotonic() > deadline:
            return statuses
        time.sleep(0.5)


def outbound_round(
    env: BenchEnvironment, config: BenchConfig, numbers: list[str], label: str
) -> dict[str, Any]:
    refusals_before = int(env.emulator_state()["message_queue_refusals"])
    seeded = env.django(
        "bench.seeding",
        "outbound",
        "--label",
        label,
        "--per-number",
        str(config.outbound_messages_per_number),
        *numbers,
    )
    expected = len(numbers) * config.outbound_messages_per_number
    ideal = config.outbound_messages_per_number / config.outbound_rate_per_number
    statuses = _wait_dispatched(env, label, timeout=3 * ideal + 60)
    time.sleep(2.0)  # a late duplicate would land now
    state = env.emulator_state()
    prefix = f"bench-{label}-"
    ours = [m for m in state["messages"] if str(m.get("tag") or "").startswith(prefix)]
    by_tag: dict[str, int] = {}
    for message in ours:
        by_tag[message["tag"]] = by_tag.get(message["tag"], 0) + 1
    times = sorted(_when(m["time"]) for m in ours)
    first, last = (times[0], times[-1]) if times else (0.0, 0.0)
    allowed = len(numbers) * config.outbound_rate_per_number
    achieved = (len(times) - len(numbers)) / (last - first) if last > first else 0.0
    return {
        "label": label,
        "loadavg": loadavg(),
        "queued": expected,
        "queue_seconds": round(seeded["committed_at"] - seeded["started_at"], 2),
        "publish_seconds": round(seeded["published_at"] - seeded["committed_at"], 2),
        "accepted_by_emulator": len(by_tag),
        "not_accepted": expected - len(by_tag),
        "parley_statuses": statuses,
        "first_after_commit_s": round(first - seeded["committed_at"], 2) if times else None,
        "span_s": round(last - first, 2),
        "ideal_span_s": round(
            (config.outbound_messages_per_number - 1) / config.outbound_rate_per_number, 2
        ),
        "achieved_per_s": round(achieved, 2),
        "allowed_per_s": allowed,
        "rate_fraction": achieved / allowed if allowed else 0.0,
        "429s": int(state["message_queue_refusals"]) - refusals_before,
        "duplicates": sum(count - 1 for count in by_tag.values()),
    }


def run(env: BenchEnvironment, config: BenchConfig) -> Outcome:
    numbers = _numbers(env, config)
    rounds = []
    for r in range(config.rounds):
        env.wait_for_drain(600)
        rounds.append(outbound_round(env, config, numbers, f"c{r}"))
    env.wait_for_drain(600)

    def each(key: str) -> tuple[float, ...]:
        return tuple(float(outcome[key]) for outcome in rounds)

    return Outcome(
        figures=[
            Figure("outbound_rate_fraction", each("rate_fraction"), "higher"),
            Figure("outbound_429s", each("429s"), "lower"),
            Figure("outbound_duplicates", each("duplicates"), "lower"),
        ],
        details={
            "numbers": numbers,
            "messages_per_number": config.outbound_messages_per_number,
            "rate_per_number": config.outbound_rate_per_number,
            "celery_workers": config.celery_workers,
            "celery_pool": f"{config.celery_pool} x {config.celery_concurrency}",
            "rounds": rounds,
        },
    )
