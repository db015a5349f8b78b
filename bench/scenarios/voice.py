"""(e) Voice: ``initiate`` -> BXML at 100 requests a second (paced, latency from when due), over
every number of the fleet with each tenant's credentials."""

from __future__ import annotations

from .. import load
from ..config import BenchConfig
from ..environment import BenchEnvironment
from ..rounds import Figure
from .base import Fleet, Outcome, initiate, loadavg, warm_up


def run(env: BenchEnvironment, config: BenchConfig) -> Outcome:
    fleet = Fleet(env.fleet, config.senders_per_number)

    def paced(label: str, seconds: float) -> load.LoadResult:
        return load.paced(
            env.base_url,
            lambda i: initiate(fleet, label, i),
            rate=config.voice_rate,
            duration=seconds,
            connections=config.voice_connections,
        )

    warm_up(env, lambda i: initiate(fleet, "e-warm", i), fleet, rate=200.0)
    rounds = []
    results = []
    for r in range(config.rounds):
        result = paced(f"e{r}", config.voice_seconds)
        results.append(result)
        rounds.append({"round": r, "loadavg": loadavg(), **result.summary()})
    return Outcome(
        figures=[Figure("voice_initiate_p99_ms", tuple(r.latency(99) for r in results), "lower")],
        details={"rate": config.voice_rate, "rounds": rounds},
    )
