"""(a) The inbound messaging webhook against a bare Django view doing one INSERT of the same body.

Both sides run closed loop (16 connections sending as fast as answers come) for the same time,
alternating bare, webhook, bare, webhook, ... The ratio of each round pair is a figure; the
median and the worst pair are reported. Celery workers are paused (SIGSTOP) during the sides, so
both measure the request path alone on the same idle machine; the drain of what the webhook
stored runs after the last round (scenario (b) measures it under load).
"""

from __future__ import annotations

from typing import Any

from .. import load
from ..config import BenchConfig
from ..environment import BenchEnvironment
from ..rounds import Figure, alternate
from .base import Fleet, Outcome, bare_insert, inbound_message, loadavg, warm_up


def run(env: BenchEnvironment, config: BenchConfig) -> Outcome:
    fleet = Fleet(env.fleet, config.senders_per_number)

    def side(kind: str, label: str, seconds: float) -> load.LoadResult:
        make = bare_insert if kind == "bare" else inbound_message
        return load.closed(
            env.base_url,
            lambda i: make(fleet, label, i),
            duration=seconds,
            connections=config.webhook_connections,
        )

    rounds: list[dict[str, Any]] = []

    def measured(kind: str) -> Any:
        def one(r: int) -> load.LoadResult:
            result = side(kind, f"a{kind[0]}{r}", config.webhook_seconds)
            rounds.append({"round": r, "side": kind, "loadavg": loadavg(), **result.summary()})
            return result

        return one

    with env.workers_paused():
        warm_up(env, lambda i: bare_insert(fleet, "a-warm-b", i), fleet)
        warm_up(env, lambda i: inbound_message(fleet, "a-warm-w", i), fleet)
        pairs = alternate(measured("bare"), measured("webhook"), config.rounds)
    drained = env.wait_for_drain(600)
    errors = sum(result.errors for pair in pairs for result in pair)
    bare = tuple(b.ok_throughput for b, _ in pairs)
    webhook = tuple(w.ok_throughput for _, w in pairs)
    ratios = tuple(w / b if b else 0.0 for b, w in zip(bare, webhook, strict=True))
    return Outcome(
        figures=[
            Figure("webhook_ratio", ratios, "higher"),
            Figure("webhook_rps", webhook, "higher"),
            Figure("bare_insert_rps", bare, "higher"),
        ],
        details={
            "rounds": rounds,
            "non_2xx_answers": errors,
            "drain_seconds_after": round(drained, 1),
        },
    )
