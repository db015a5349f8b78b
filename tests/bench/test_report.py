"""The benchmark table: latest run, range over the kept runs, PASS or MISS on the median round."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import report


def _run(path: Path, started: str, figures: dict[str, Any], *, quick: bool = False) -> Path:
    data = {
        "schema": 1,
        "quick": quick,
        "started_at": started,
        "git": {"commit": "0123456789abcdef", "dirty": False},
        "machine": {"cores": 2, "loadavg_before": [0.5, 0.4, 0.3], "loadavg_after": [1.5, 1, 1]},
        "config": {"rounds": 3, "celery_workers": 1},
        "figures": figures,
        "errors": {},
    }
    path.write_text(json.dumps(data))
    return path


def _figure(median: float, worst: float, better: str) -> dict[str, Any]:
    return {"median": median, "worst": worst, "rounds": [median, worst, median], "better": better}


def _row(table: str, label_start: str) -> list[str]:
    line = next(line for line in table.splitlines() if line.startswith(f"| {label_start}"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_latest_kept_run_with_the_range_of_medians(tmp_path: Path) -> None:
    _run(
        tmp_path / "bench-1.json",
        "2026-11-01T10:00:00Z",
        {
            "webhook_ratio": _figure(0.90, 0.86, "higher"),
            "voice_initiate_p99_ms": _figure(22.0, 40.0, "lower"),
        },
    )
    _run(
        tmp_path / "bench-2.json",
        "2026-11-02T10:00:00Z",
        {
            "webhook_ratio": _figure(0.80, 0.70, "higher"),
            "voice_initiate_p99_ms": _figure(25.0, 31.0, "lower"),
        },
    )
    _run(
        tmp_path / "bench-3.json",
        "2026-11-03T10:00:00Z",
        {"webhook_ratio": _figure(0.10, 0.05, "higher")},
        quick=True,
    )

    kept = report.kept_runs(tmp_path)
    table = report.render(kept[-1], kept)

    assert [run["_path"] for run in kept] == ["bench-1.json", "bench-2.json"]
    assert "bench-2.json" in table.splitlines()[0]
    assert "load average 0.5 before and 1.5 after" in table
    ratio = _row(table, "(a) inbound messaging webhook / bare")
    assert ratio[1:] == ["0.80", "0.70", "0.80 to 0.90 (2 runs)", ">= 0.85", "MISS"]
    voice = _row(table, "(e) voice initiate")
    assert voice[1:] == ["25.0 ms", "31.0 ms", "22.0 ms to 25.0 ms (2 runs)", "<= 30.0 ms", "PASS"]
    assert "Not measured in this run" in table


def test_a_quick_run_is_reported_as_such_and_kept_out_of_the_range(tmp_path: Path) -> None:
    kept_dir = tmp_path / "results"
    kept_dir.mkdir()
    _run(
        kept_dir / "bench-1.json",
        "2026-11-01T10:00:00Z",
        {"web_rss_mb": _figure(110.0, 112.0, "lower")},
    )
    quick = _run(
        tmp_path / "quick.json",
        "2026-11-05T10:00:00Z",
        {"web_rss_mb": _figure(180.0, 190.0, "lower")},
        quick=True,
    )

    table = report.render(report.load(quick), report.kept_runs(kept_dir))

    assert "QUICK smoke run" in table
    assert _row(table, "(f) web worker RSS")[1:] == [
        "180.0 MB",
        "190.0 MB",
        "110.0 MB (1 run)",
        "<= 150.0 MB",
        "MISS",
    ]


def test_readme_table_is_replaced_between_its_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{report.START}\nold table\n{report.END}\nafter\n")

    report.write_readme("| new |", readme)

    assert readme.read_text() == f"intro\n{report.START}\n| new |\n{report.END}\nafter\n"
