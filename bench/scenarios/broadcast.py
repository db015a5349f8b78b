"""(i) A broadcast to imported contacts from a pool of 2 numbers, each allowed 1 segment a second
by the emulator: the acceptance of issue 13 (500 contacts, about 250 s).

Each round imports a fresh CSV of contacts through the import service, opts some of them out,
and creates one broadcast to that list through ``broadcast_create``; the Celery workers advance it
and dispatch its messages through the shared limiter. From what the emulator accepted: the
achieved rate is (accepted - numbers) / (last acceptance - first acceptance) against the numbers'
allowed 1/s each, the 429s, the duplicates (a recipient's tag accepted more than once) and the
opted-out contacts texted (must be none).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from ..config import BenchConfig
from ..environment import BenchEnvironment
from ..rounds import Figure
from .base import Outcome, loadavg


def _when(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _wait_finished(env: BenchEnvironment, broadcast: int, timeout: float) -> dict[str, int]:
    """Waits until the broadcast handed everyone over and none of its messages is queued."""
    deadline = time.monotonic() + timeout
    while True:
        state = env.sql("SELECT status FROM messaging_broadcast WHERE id = %s", (broadcast,))
        rows = env.sql(
            "SELECT m.status, count(*) FROM messaging_broadcastrecipient r "
            "JOIN messaging_message m ON m.id = r.message_id WHERE r.broadcast_id = %s "
            "GROUP BY m.status",
            (broadcast,),
        )
        statuses = {str(status): int(count) for status, count in rows}
        done = state and state[0][0] == "done" and not statuses.get("queued")
        if done or time.monotonic() > deadline:
            return statuses
        time.sleep(0.5)


def broadcast_round(
    env: BenchEnvironment, config: BenchConfig, numbers: list[str], index: int
) -> dict[str, Any]:
    label = f"h{index}"
    refusals_before = int(env.emulator_state()["message_queue_refusals"])
    seeded = env.django(
        "bench.seeding",
        "broadcast",
        "--label",
        label,
        "--first",
        str(index * config.broadcast_contacts),
        "--contacts",
        str(config.broadcast_contacts),
        "--opted-out-every",
        str(config.broadcast_opted_out_every),
        *numbers,
    )
    sendable = seeded["recipients"] - seeded["skipped_opted_out"]
    ideal = sendable / (len(numbers) * config.outbound_rate_per_number)
    statuses = _wait_finished(env, seeded["broadcast"], timeout=2 * ideal + 120)
    time.sleep(2.0)  # a late duplicate would land now
    state = env.emulator_state()
    prefix = f"broadcast:{seeded['broadcast']}:"
    ours = [m for m in state["messages"] if str(m.get("tag") or "").startswith(prefix)]
    by_tag: dict[str, int] = {}
    for message in ours:
        by_tag[message["tag"]] = by_tag.get(message["tag"], 0) + 1
    opted_out = {
        row[0]
        for row in env.sql(
            "SELECT number FROM messaging_broadcastrecipient WHERE broadcast_id = %s "
            "AND skip_reason = 'opted_out'",
            (seeded["broadcast"],),
        )
    }
    texted_opted_out = sum(1 for m in ours if set(m.get("to") or []) & opted_out)
    times = sorted(_when(m["time"]) for m in ours)
    first, last = (times[0], times[-1]) if times else (0.0, 0.0)
    allowed = len(numbers) * config.outbound_rate_per_number
    achieved = (len(times) - len(numbers)) / (last - first) if last > first else 0.0
    return {
        "label": label,
        "loadavg": loadavg(),
        "recipients": seeded["recipients"],
        "skipped_opted_out": seeded["skipped_opted_out"],
        "sendable": sendable,
        "create_seconds": round(seeded["created_at"] - seeded["started_at"], 2),
        "accepted_by_emulator": len(by_tag),
        "not_accepted": sendable - len(by_tag),
        "parley_statuses": statuses,
        "first_after_create_s": round(first - seeded["created_at"], 2) if times else None,
        "span_s": round(last - first, 2),
        "ideal_span_s": round((sendable - len(numbers)) / allowed, 2),
        "achieved_per_s": round(achieved, 3),
        "allowed_per_s": allowed,
        "rate_fraction": achieved / allowed if allowed else 0.0,
        "429s": int(state["message_queue_refusals"]) - refusals_before,
        "duplicates": sum(count - 1 for count in by_tag.values()),
        "opted_out_texted": texted_opted_out,
    }


def run(env: BenchEnvironment, config: BenchConfig) -> Outcome:
    # The last tenant of the fleet: the outbound scenario sends from the first ones.
    numbers = env.fleet[-1]["numbers"][: config.broadcast_numbers]
    rounds = []
    for r in range(config.broadcast_rounds):
        env.wait_for_drain(600)
        rounds.append(broadcast_round(env, config, numbers, r))
    env.wait_for_drain(600)

    def each(key: str) -> tuple[float, ...]:
        return tuple(float(outcome[key]) for outcome in rounds)

    return Outcome(
        figures=[
            Figure("broadcast_rate_fraction", each("rate_fraction"), "higher"),
            Figure("broadcast_429s", each("429s"), "lower"),
            Figure("broadcast_duplicates", each("duplicates"), "lower"),
            Figure("broadcast_opted_out_sent", each("opted_out_texted"), "lower"),
            Figure("broadcast_seconds", each("span_s"), "lower"),
        ],
        details={
            "numbers": numbers,
            "contacts": config.broadcast_contacts,
            "opted_out_every": config.broadcast_opted_out_every,
            "rate_per_number": config.outbound_rate_per_number,
            "celery_workers": config.celery_workers,
            "celery_pool": f"{config.celery_pool} x {config.celery_concurrency}",
            "rounds": rounds,
        },
    )
