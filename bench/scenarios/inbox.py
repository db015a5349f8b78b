"""(d) The inbox at 1M messages: the API's message list and a busy conversation's thread page,
each p95 with 8 concurrent clients.

The history is ``bench.inbox``'s seed (N = 100,000 conversations, 10 messages each, plus 5 busy
conversations of 2,000 more, and a second tenant at a fifth of that). The list is
``GET /api/v1/messages/`` with the tenant's API tokens (one per client); the thread page is
``/inbox/<busy conversation>/`` signed in. Both run paced (open loop, latency from when due) at
``inbox_rate`` requests a second in all (default 16: 2 a second per client) over
``inbox_clients`` connections (8), alternating list, thread, list, thread, ...
``BENCH_INBOX_SCALE=1,10`` measures at 10x the data too (details only).
"""

from __future__ import annotations

import shutil
from typing import Any

from .. import load
from ..config import BenchConfig
from ..environment import BenchEnvironment
from ..load import Request
from ..rounds import Figure, alternate
from .base import Outcome, loadavg

BYTES_PER_CONVERSATION = 8_000  # the seeded tables per big-tenant conversation (about 7.2 kB)


def _room_for(conversations: int) -> tuple[bool, str]:
    needed = int(conversations * BYTES_PER_CONVERSATION * 1.5) + 5 * 2**30
    free = shutil.disk_usage("/").free
    gib = 2**30
    return free >= needed, f"needs about {needed / gib:.1f} GiB, {free / gib:.1f} GiB free"


def _scale(env: BenchEnvironment, config: BenchConfig, n: int) -> dict[str, Any]:
    seeded = env.django("bench.inbox", "seed", "--n", str(n))
    tokens: list[str] = env.django(
        "bench.seeding", "tokens", "--slug", "inbox-big", "--count", str(config.inbox_clients)
    )
    paths = {"list": "/api/v1/messages/", "thread": f"/inbox/{seeded['busy_conversation_id']}/"}
    probed = env.django("bench.inbox", "probe", *paths.values())

    def factory(page: str) -> load.RequestFactory:
        if page == "list":
            return lambda i: Request(
                "GET", paths["list"], headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
            )
        return lambda i: Request("GET", paths["thread"], headers={"Cookie": probed["cookie"]})

    def side(page: str, seconds: float) -> load.LoadResult:
        return load.paced(
            env.base_url,
            factory(page),
            rate=config.inbox_rate,
            duration=seconds,
            connections=config.inbox_clients,
        )

    rounds: list[dict[str, Any]] = []

    def measured(page: str) -> Any:
        def one(r: int) -> load.LoadResult:
            result = side(page, config.inbox_seconds)
            rounds.append({"round": r, "page": page, "loadavg": loadavg(), **result.summary()})
            return result

        return one

    side("list", 1.0)
    side("thread", 1.0)
    pairs = alternate(measured("list"), measured("thread"), config.rounds)
    pages = {
        name: {
            key: value
            for key, value in probed["pages"][path].items()
            if key in ("status", "queries", "sql_ms_total", "in_process_ms_median", "slowest")
        }
        for name, path in paths.items()
    }
    return {
        "conversations": n,
        "seed": seeded,
        "paths": paths,
        "pages": pages,
        "rounds": rounds,
        "list_p95_ms": tuple(a.latency(95) for a, _ in pairs),
        "thread_p95_ms": tuple(b.latency(95) for _, b in pairs),
        "errors": sum(a.errors + b.errors for a, b in pairs),
    }


def run(env: BenchEnvironment, config: BenchConfig) -> Outcome:
    outcome = Outcome(
        details={"clients": config.inbox_clients, "rate": config.inbox_rate, "scales": {}}
    )
    for scale in config.inbox_scales:
        n = config.inbox_conversations * scale
        ok, reason = _room_for(n)
        if not ok:
            outcome.details["scales"][f"{scale}x"] = {"skipped": reason}
            continue
        measured = _scale(env, config, n)
        if not outcome.figures:
            outcome.figures = [
                Figure("inbox_list_p95_ms", measured["list_p95_ms"], "lower"),
                Figure("inbox_thread_p95_ms", measured["thread_p95_ms"], "lower"),
            ]
        outcome.details["scales"][f"{scale}x"] = measured
    return outcome
