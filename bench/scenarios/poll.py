"""(j) The notifications poll every open page makes: with nothing new it is a 304 after one
indexed query (the tenant's newest event), against a full answer (unread total and events).

Seeded with ``config.tenants`` tenants of ``poll_events`` events each; both sides run paced at
``poll_rate`` requests a second over ``poll_clients`` connections, alternating 304, full, 304, ...
The probe reports the queries of one 304 and the plan of the poll's own query.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import load
from ..config import BenchConfig
from ..environment import BenchEnvironment
from ..load import Request
from ..rounds import Figure, alternate
from .base import Outcome, loadavg


def run(env: BenchEnvironment, config: BenchConfig) -> Outcome:
    seeded = env.django(
        "bench.poll", "seed", "--tenants", str(config.tenants), "--events", str(config.poll_events)
    )
    probed = env.django("bench.poll", "probe")
    cookie, etag, path = probed["cookie"], probed["etag"], probed["path"]

    def factory(unchanged: bool) -> load.RequestFactory:
        headers = {"Cookie": cookie}
        if unchanged:
            headers["If-None-Match"] = etag
        return lambda i: Request("GET", path, headers=headers)

    rounds: list[dict[str, object]] = []

    def side(unchanged: bool) -> load.LoadResult:
        return load.paced(
            env.base_url,
            factory(unchanged),
            rate=config.poll_rate,
            duration=config.poll_seconds,
            connections=config.poll_clients,
        )

    def measured(unchanged: bool) -> Callable[[int], load.LoadResult]:
        def one(r: int) -> load.LoadResult:
            result = side(unchanged)
            name = "304" if unchanged else "full"
            rounds.append({"round": r, "side": name, "loadavg": loadavg(), **result.summary()})
            return result

        return one

    side(True)
    pairs = alternate(measured(True), measured(False), config.rounds)
    not_modified = sum(a.statuses().get(304, 0) for a, _ in pairs)
    answered = sum(a.requests for a, _ in pairs)
    return Outcome(
        figures=[
            Figure("poll_304_p95_ms", tuple(a.latency(95) for a, _ in pairs), "lower"),
            Figure("poll_full_p95_ms", tuple(b.latency(95) for _, b in pairs), "lower"),
        ],
        details={
            "seed": seeded,
            "probe": {k: v for k, v in probed.items() if k != "cookie"},
            "rate": config.poll_rate,
            "clients": config.poll_clients,
            "not_modified_share": round(not_modified / answered, 4) if answered else 0.0,
            "rounds": rounds,
        },
    )
