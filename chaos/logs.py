"""What Celery's own logs say about periodic jobs: which beat sent which job, and which worker ran
it with what result (each periodic task returns how much work it found)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

STAMP = r"^\[(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+: \w+/[\w-]+\] "
SENT = re.compile(STAMP + r"Scheduler: Sending due task (?P<entry>\S+) \((?P<task>[\w.]+)\)")
RAN = re.compile(STAMP + r"Task (?P<task>[\w.]+)\[[\w-]+\] succeeded in [\d.e-]+s: (?P<result>.*)$")
TASK = re.compile(STAMP + r"Task (?P<task>[\w.]+)\[(?P<id>[\w-]+)\] (?P<what>received|\w+)")


@dataclass
class PeriodicRuns:
    sent: Counter[str] = field(default_factory=Counter)
    """Periodic tasks sent, by beat."""
    runs: Counter[str] = field(default_factory=Counter)
    """Runs, by task."""
    busy_runs: Counter[str] = field(default_factory=Counter)
    """Runs that found work (returned a positive count), by task."""

    def describe(self) -> list[str]:
        if not self.sent:
            return []
        beats = ", ".join(f"{beat} {n}" for beat, n in sorted(self.sent.items()))
        jobs = "; ".join(
            f"{task.rsplit('.', 1)[-1]} {n}x ({self.busy_runs[task]} found work)"
            for task, n in self.runs.most_common()
        )
        return [f"beats sent {self.sent.total()} periodic tasks ({beats})", f"runs: {jobs}"]


def _at(match: re.Match[str]) -> datetime:
    return datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S")


def periodic_runs(
    beat_logs: Iterable[Path], worker_logs: Iterable[Path], since: datetime, until: datetime
) -> PeriodicRuns:
    """Counts what happened between ``since`` and ``until`` (local time, as Celery logs it)."""
    found = PeriodicRuns()
    periodic: set[str] = set()
    for log in beat_logs:
        for line in _lines(log):
            match = SENT.match(line)
            if match and since <= _at(match) <= until:
                found.sent[log.stem] += 1
                periodic.add(match["task"])
    for log in worker_logs:
        for line in _lines(log):
            match = RAN.match(line)
            if match and match["task"] in periodic and since <= _at(match) <= until:
                found.runs[match["task"]] += 1
                if match["result"].strip().isdigit() and int(match["result"]) > 0:
                    found.busy_runs[match["task"]] += 1
    return found


def cut_short(worker_logs: Iterable[Path], since: datetime, until: datetime) -> Counter[str]:
    """Tasks a worker received between ``since`` and ``until`` and never finished, retried or
    failed: what a killed worker took down with it (running, or prefetched and waiting)."""
    lost: Counter[str] = Counter()
    for log in worker_logs:
        last: dict[str, tuple[str, str, datetime]] = {}
        for line in _lines(log):
            match = TASK.match(line)
            if match:
                last[match["id"]] = (match["task"], match["what"], _at(match))
        for task, what, at in last.values():
            if what == "received" and since <= at <= until:
                lost[task] += 1
    return lost


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return []
