"""``make chaos``: ``python -m chaos [--only NAME ...] [--list]``.

Exits 0 when every scenario lost nothing and duplicated nothing, 1 when one did, 2 when the
stack could not be started.
"""

from __future__ import annotations

import argparse
import sys
import time

from . import report
from .runner import run_all
from .scenarios import SCENARIOS
from .settings import ChaosSettings, parley_timings
from .stack import LOG_COPY, Stack
from .supervisor import signals_raise


def log(message: str) -> None:
    print(message, flush=True)


def main(argv: list[str] | None = None) -> int:
    names = [s.name for s in SCENARIOS]
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME", help=", ".join(names))
    parser.add_argument("--list", action="store_true", help="list the scenarios and stop")
    args = parser.parse_args(argv)
    settings = ChaosSettings.from_env()
    if args.list:
        for scenario in SCENARIOS:
            print(f"{scenario.name:22} {scenario.summary(settings)}")
        return 0
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only]
    log(f"chaos settings: {settings.describe()}")
    timings = ", ".join(f"{k}={v}" for k, v in parley_timings().items())
    log(f"Parley timings for this run: {timings}")
    started = time.monotonic()
    with signals_raise():
        try:
            stack = Stack(settings)
            with stack:
                log(
                    f"stack up in {time.monotonic() - started:.0f} s: PostgreSQL "
                    f":{stack.postgres.port}, Redis :{stack.redis.port}, web {stack.web_url}, "
                    f"emulator {stack.emulator_url}, numbers {', '.join(stack.tenant.numbers)}"
                    if stack.tenant
                    else "stack up"
                )
                tallies = run_all(chosen, stack, settings, log)
        except KeyboardInterrupt:
            log("interrupted; everything this run started is stopped")
            return 130
        except Exception as exc:
            log(f"the chaos stack failed: {type(exc).__name__}: {exc}")
            log(f"logs: {LOG_COPY}")
            return 2
    minutes = (time.monotonic() - started) / 60
    print()
    print(report.table(tallies))
    print()
    print(report.LEGEND)
    details = report.notes(tallies)
    if details:
        print()
        print(details)
    print()
    failed = [t.scenario for t in tallies if not t.ok]
    verdict = "every scenario: nothing lost, nothing duplicated"
    if failed:
        verdict = "FAILED: " + ", ".join(failed)
    print(f"{verdict} ({minutes:.1f} min; process logs in {LOG_COPY})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
