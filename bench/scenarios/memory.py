"""(f) Resident memory of the web and Celery workers after the other scenarios' load.

Read from /proc a few times, a second apart (the rounds); the largest web worker and the largest
Celery process (a worker's main process or one of its pool's children) are the figures.
"""

from __future__ import annotations

import time

from ..config import BenchConfig
from ..environment import BenchEnvironment
from ..rounds import Figure
from .base import Outcome


def run(env: BenchEnvironment, config: BenchConfig) -> Outcome:
    readings = []
    for _ in range(config.rounds):
        readings.append(env.memory())
        time.sleep(1.0)
    web = tuple(max(r["web_workers_mb"], default=0.0) for r in readings)
    celery = tuple(
        max((mb for w in r["celery_workers_mb"] for mb in w["processes"]), default=0.0)
        for r in readings
    )
    return Outcome(
        figures=[Figure("web_rss_mb", web, "lower"), Figure("celery_rss_mb", celery, "lower")],
        details={"readings": readings},
    )
