"""The chaos suite's own machinery: settings from the environment, the process supervisor and the
printed table."""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from chaos.accounting import Tally
from chaos.logs import cut_short, periodic_runs
from chaos.report import notes, table
from chaos.settings import PARLEY_TIMINGS, ChaosSettings, parley_timings
from chaos.supervisor import ProcessFailed, ProcessSpec, Supervisor


def test_settings_default_to_the_issues_values_and_read_the_environment() -> None:
    default = ChaosSettings.from_env({})
    tuned = ChaosSettings.from_env({"CHAOS_REDIS_OUTAGE": "5", "CHAOS_DUPLICATE_COPIES": "9"})

    assert (default.redis_outage, default.postgres_outage) == (30, 30)
    assert (default.emulator_outage, default.storm_seconds) == (60, 120)
    assert (tuned.redis_outage, tuned.duplicate_copies) == (5.0, 9)
    assert isinstance(tuned.duplicate_copies, int)
    with pytest.raises(SystemExit, match="CHAOS_LEAD"):
        ChaosSettings.from_env({"CHAOS_LEAD": "soon"})


def test_parley_timings_give_way_to_the_environment() -> None:
    lease = "MESSAGING_DISPATCH_LEASE_SECONDS"

    assert parley_timings({}) == PARLEY_TIMINGS
    assert parley_timings({lease: "120"})[lease] == "120"


def child_script(body: str) -> list[str]:
    return [sys.executable, "-c", body]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is dead for our purpose.
    return "Z" not in Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]


def test_kill_takes_the_whole_process_group_and_nothing_else(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path)
    pid_file = tmp_path / "child.pid"
    parent = child_script(
        "import subprocess, sys, time, pathlib\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"pathlib.Path({str(pid_file)!r}).write_text(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    bystander = supervisor.start(
        ProcessSpec("bystander", child_script("import time; time.sleep(60)"), os.environ, tmp_path)
    )
    process = supervisor.start(
        ProcessSpec("parent", parent, os.environ, tmp_path, ready=pid_file.exists)
    )
    try:
        grandchild = int(pid_file.read_text())

        process.kill()
        deadline = time.monotonic() + 5
        while alive(grandchild) and time.monotonic() < deadline:
            time.sleep(0.05)

        assert not process.running and not alive(grandchild)
        assert bystander.running
        assert supervisor.dead() == []
    finally:
        supervisor.stop_all()
    assert not bystander.running


def test_a_process_that_exits_is_reported_dead_and_one_that_dies_starting_fails(
    tmp_path: Path,
) -> None:
    supervisor = Supervisor(tmp_path)
    supervisor.start(ProcessSpec("short", child_script("print('bye')"), os.environ, tmp_path))
    time.sleep(0.5)

    assert supervisor.dead() == ["short"]
    with pytest.raises(ProcessFailed, match="exited while starting"):
        supervisor.start(
            ProcessSpec(
                "broken",
                child_script("raise SystemExit(3)"),
                os.environ,
                tmp_path,
                ready=lambda: False,
            )
        )
    assert "bye" in (tmp_path / "short.log").read_text()


def test_stop_sends_the_process_its_own_signal(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path)
    body = (
        "import signal, sys, time\n"
        "def fast(*args):\n"
        "    print('fast shutdown', flush=True)\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGINT, fast)\n"
        "print('up', flush=True)\n"
        "time.sleep(60)\n"
    )
    log = tmp_path / "db.log"
    process = supervisor.start(
        ProcessSpec(
            "db",
            child_script(body),
            os.environ,
            tmp_path,
            ready=lambda: "up" in log.read_text(),
            stop_signal=signal.SIGINT,
        )
    )

    process.stop(timeout=5)

    assert process.popen is not None and process.popen.returncode == 0
    assert "fast shutdown" in log.read_text()


def test_the_table_has_one_row_per_scenario_and_fails_rows_that_lost_or_duplicated() -> None:
    good = Tally("redis-down", outbound=10, inbound=5, landed=15, seconds=70, settled_after=21.4)
    good.evidence.append("the API turned away 4 texts at first (500x9); retried")
    bad = Tally("emulator-down", outbound=20, landed=18, lost=2, duplicate_sends=1, seconds=90)
    bad.notes.append("lost 2: Parley gave up: Bandwidth kept failing")

    printed = table([good, bad]).splitlines()

    assert printed[0].split() == [
        "scenario",
        "sent",
        "landed",
        "lost",
        "dup",
        "sends",
        "dup",
        "rows",
        "settled",
        "result",
    ]
    assert printed[2].split() == ["redis-down", "15", "15", "0", "0", "0", "21", "s", "ok"]
    assert printed[3].split() == ["emulator-down", "20", "18", "2", "1", "0", "never", "FAIL"]
    assert notes([good, bad]).splitlines() == [
        "redis-down (10 out, 5 in, 70 s):",
        "  + the API turned away 4 texts at first (500x9); retried",
        "emulator-down (20 out, 0 in, 90 s):",
        "  ! lost 2: Parley gave up: Bandwidth kept failing",
    ]


def test_periodic_runs_are_counted_from_celerys_logs_within_the_window(tmp_path: Path) -> None:
    beat = tmp_path / "beat-1.log"
    second = tmp_path / "beat-2.log"
    worker = tmp_path / "worker-a.log"
    sent = "INFO/MainProcess] Scheduler: Sending due task messaging-dispatch-due "
    sent += "(messaging.tasks.dispatch_due_messages)"
    beat.write_text(f"[2026-01-01 11:59:00,000: {sent}\n[2026-01-01 12:00:20,000: {sent}\n")
    second.write_text(f"[2026-01-01 12:00:25,000: {sent}\n")
    ran = "INFO/ForkPoolWorker-1] Task messaging.tasks.dispatch_due_messages[ab-12] succeeded in"
    worker.write_text(
        f"[2026-01-01 12:00:20,500: {ran} 0.01s: 3\n"
        f"[2026-01-01 12:00:25,500: {ran} 0.02s: 0\n"
        "[2026-01-01 12:00:26,000: INFO/ForkPoolWorker-2] Task messaging.tasks.dispatch_message"
        "[cd-34] succeeded in 0.1s: 'sent'\n"
    )

    runs = periodic_runs(
        [beat, second, tmp_path / "beat-3.log"],
        [worker],
        datetime(2026, 1, 1, 12, 0),
        datetime(2026, 1, 1, 12, 1),
    )

    assert runs.describe() == [
        "beats sent 2 periodic tasks (beat-1 1, beat-2 1)",
        "runs: dispatch_due_messages 2x (1 found work)",
    ]


def test_tasks_a_killed_worker_held_are_the_ones_received_and_never_finished(
    tmp_path: Path,
) -> None:
    log = tmp_path / "worker-a.log"
    task = "INFO/MainProcess] Task messaging.tasks.dispatch_message"
    log.write_text(
        f"[2026-01-01 12:00:01,000: {task}[done] received\n"
        f"[2026-01-01 12:00:01,200: {task}[done] succeeded in 0.2s: 'sent'\n"
        f"[2026-01-01 12:00:02,000: {task}[retried] received\n"
        f"[2026-01-01 12:00:02,100: {task}[retried] retry: Retry in 1.0s\n"
        f"[2026-01-01 12:00:03,000: {task}[held] received\n"
        f"[2026-01-01 11:00:03,000: {task}[before] received\n"
        "=== start 2 at 12:00:05\n"
    )

    lost = cut_short([log], datetime(2026, 1, 1, 12, 0), datetime(2026, 1, 1, 12, 1))

    assert lost == {"messaging.tasks.dispatch_message": 1}
