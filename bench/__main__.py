"""``make bench``: runs Parley's benchmark scenarios, saves their figures, prints the table.

    python -m bench [--only NAME ...] [--quick] [--rounds N] [--celery-workers N]

Parley runs under gunicorn (2 workers x 4 threads) with Celery workers, Celery beat and a
Bandwidth emulator, against PostgreSQL and Redis from DATABASE_URL / CELERY_BROKER_URL /
CACHE_URL, in a database of its own (``<name>_bench``), loaded from the same machine. Every
figure is measured in rounds (at least 3) and kept as its median and worst round.

A full run writes ``bench/results/bench-<UTC time>.json`` (committed: the kept runs); a quick
smoke run (BENCH_QUICK=1 or --quick: every scenario, a few seconds each) writes under
``var/bench/``. Either way the run ends by printing the table ``python -m bench.report`` makes.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from . import config as bench_config
from . import machine, report, scenarios
from .environment import ROOT, BenchEnvironment

RESULTS = Path(__file__).resolve().parent / "results"
QUICK_RESULTS = ROOT / "var" / "bench"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", nargs="*", choices=list(scenarios.ALL), default=None)
    parser.add_argument("--quick", action="store_true", default=None, help="a short smoke run")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--celery-workers", type=int, default=None)
    parser.add_argument("--results", type=Path, default=None, help="directory for the JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    config = bench_config.from_environment(
        quick=args.quick, rounds=args.rounds, celery_workers=args.celery_workers
    )
    names = args.only or list(scenarios.ALL)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    directory = args.results or (QUICK_RESULTS if config.quick else RESULTS)
    log_dir = ROOT / "var" / "bench" / f"logs-{stamp}"
    run: dict[str, Any] = {
        "schema": 1,
        "quick": config.quick,
        "started_at": machine.now_iso(),
        "git": machine.git(),
        "machine": {**machine.machine(), "loadavg_before": machine.loadavg()},
        "config": config.as_json(),
        "scenarios_run": names,
        "scenarios": {},
        "figures": {},
        "errors": {},
    }
    print(f"bench: {', '.join(names)}; logs in {log_dir}", flush=True)
    with BenchEnvironment(config, log_dir) as env:
        run["setup_seconds"] = env.setup_seconds
        run["redis"] = env.redis_urls
        for name in names:
            print(f"== {name}", flush=True)
            started = time.monotonic()
            entry: dict[str, Any] = {
                "started_at": machine.now_iso(),
                "loadavg_before": machine.loadavg(),
            }
            try:
                outcome = scenarios.ALL[name](env, config)
            except Exception:
                run["errors"][name] = traceback.format_exc()
                print(run["errors"][name], file=sys.stderr, flush=True)
                continue
            finally:
                entry["finished_at"] = machine.now_iso()
                entry["seconds"] = round(time.monotonic() - started, 1)
                entry["loadavg_after"] = machine.loadavg()
                run["scenarios"][name] = entry
            entry["details"] = outcome.details
            for figure in outcome.figures:
                run["figures"][figure.key] = figure.as_json()
                print(f"   {figure.key}: {json.dumps(figure.as_json())}", flush=True)
    run["finished_at"] = machine.now_iso()
    run["machine"]["loadavg_after"] = machine.loadavg()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"bench-{stamp}.json"
    target.write_text(json.dumps(_clean(run), indent=1, default=_jsonable) + "\n")
    print(
        f"\nfigures saved to {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}"
    )
    print()
    print(report.render(report.load(target), report.kept_runs(RESULTS)))
    return 1 if run["errors"] else 0


def _clean(value: Any) -> Any:
    """Strict JSON: NaN and infinities (a figure nothing measured) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | set):
        return list(value)
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
