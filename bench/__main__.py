"""``make bench``: runs Parley's benchmarks and prints their figures (and saves them as JSON).

    python -m bench [--only NAME ...] [--duration SECONDS]

Each benchmark runs Parley under gunicorn (2 workers x 4 threads, the same for every server in a
comparison) against PostgreSQL and Redis from DATABASE_URL / CELERY_BROKER_URL / CACHE_URL, in a
database of its own (``<name>_bench``), with a load generator on the same machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import scenarios

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", nargs="*", choices=sorted(scenarios.ALL), default=None)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load phase")
    args = parser.parse_args()
    names = args.only or list(scenarios.ALL)
    figures: dict[str, object] = {}
    with scenarios.BenchEnvironment() as env:
        for name in names:
            print(f"== {name}", flush=True)
            figures[name] = scenarios.ALL[name](env, args.duration)
            print(json.dumps(figures[name], indent=2), flush=True)
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.json"
    target.write_text(json.dumps(figures, indent=2))
    print(f"figures saved to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
