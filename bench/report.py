"""The benchmark table (markdown) from a run's JSON, with the range over the kept runs.

    python -m bench.report [--file RUN.json] [--results DIR] [--readme]

Without ``--file`` the latest run in ``bench/results/`` (the kept runs, committed) is reported.
Each figure shows its median round and its worst round, the range of the median over the kept
runs that measured it, its target and PASS or MISS (the median round against the target).
``--readme`` writes the table into README.md between its bench-table markers.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from .targets import SPECS

RESULTS = Path(__file__).resolve().parent / "results"
README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- bench-table:start -->", "<!-- bench-table:end -->"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    data["_path"] = path.name
    return data


def kept_runs(directory: Path) -> list[dict[str, Any]]:
    """Every full (not quick) run in ``directory``, oldest first."""
    runs = [load(path) for path in sorted(directory.glob("*.json"))]
    runs = [run for run in runs if not run.get("quick")]
    return sorted(runs, key=lambda run: str(run.get("started_at", "")))


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _range(key: str, runs: list[dict[str, Any]], spec_format: Any) -> str:
    medians = [
        _number(run["figures"][key]["median"]) for run in runs if key in run.get("figures", {})
    ]
    medians = [m for m in medians if not math.isnan(m)]
    if not medians:
        return ""
    low, high = min(medians), max(medians)
    span = spec_format(low) if low == high else f"{spec_format(low)} to {spec_format(high)}"
    return f"{span} ({len(medians)} run{'s' if len(medians) > 1 else ''})"


def _parameters(config: dict[str, Any]) -> str:
    messages = 10 * int(config.get("inbox_conversations", 0))
    return (
        f"Parameters: {config.get('tenants')} tenants x {config.get('numbers_per_tenant')} "
        f"numbers; (b) {config.get('inbound_rate', 0):g} req/s for "
        f"{config.get('inbound_seconds', 0):g} s; (c) {config.get('outbound_messages_per_number')} "
        f"messages on each of {config.get('outbound_numbers')} numbers; (d) {messages:,} messages, "
        f"{config.get('inbox_rate', 0):g} req/s over {config.get('inbox_clients')} clients; "
        f"(e) {config.get('voice_rate', 0):g} req/s; Celery {config.get('celery_workers')} "
        f"worker(s), {config.get('celery_pool')} x {config.get('celery_concurrency')}."
    )


def render(run: dict[str, Any], kept: list[dict[str, Any]]) -> str:
    machine = run.get("machine", {})
    git = run.get("git", {})
    before = machine.get("loadavg_before") or ["?"]
    after = machine.get("loadavg_after") or ["?"]
    config = run.get("config", {})
    header = (
        f"Run `{run.get('_path', '')}` of {run.get('started_at', '?')} on commit "
        f"`{str(git.get('commit', ''))[:10]}`{' (uncommitted changes)' if git.get('dirty') else ''}"
        f": {machine.get('cores', '?')} cores, load average {before[0]} before and "
        f"{after[0]} after; {config.get('rounds', '?')} rounds per figure, "
        f"{config.get('celery_workers', '?')} Celery worker(s)"
        f"{'; a QUICK smoke run, not a measurement' if run.get('quick') else ''}."
    )
    lines = [header, "", _parameters(config), ""] if "tenants" in config else [header, ""]
    lines += [
        "| figure | median round | worst round | median over the kept runs | target | |",
        "|---|---|---|---|---|---|",
    ]
    figures = run.get("figures", {})
    for spec in SPECS:
        figure = figures.get(spec.key)
        if figure is None:
            continue
        median, worst = _number(figure["median"]), _number(figure["worst"])
        verdict = spec.passes(median)
        status = "" if verdict is None else ("PASS" if verdict else "MISS")
        lines.append(
            f"| {spec.label} | {spec.format(median)} | {spec.format(worst)} | "
            f"{_range(spec.key, kept, spec.format)} | {spec.target_text()} | {status} |"
        )
    missing = [spec.label for spec in SPECS if spec.key not in figures and spec.op is not None]
    if missing:
        lines += ["", "Not measured in this run: " + "; ".join(missing) + "."]
    for name, error in sorted(run.get("errors", {}).items()):
        lines += ["", f"Scenario `{name}` failed: {error.strip().splitlines()[-1]}"]
    return "\n".join(lines)


def write_readme(table: str, readme: Path = README) -> None:
    text = readme.read_text()
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise SystemExit(f"{readme} has no {START} ... {END} markers")
    readme.write_text(f"{head}{START}\n{table}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report")
    parser.add_argument("--file", type=Path, default=None, help="a run's JSON (default: latest)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the kept runs")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)
    kept = kept_runs(args.results)
    if args.file is not None:
        run = load(args.file)
    elif kept:
        run = kept[-1]
    else:
        print(f"No runs in {args.results}; run make bench first.", file=sys.stderr)
        return 1
    table = render(run, kept)
    if args.readme:
        write_readme(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
