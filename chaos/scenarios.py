"""The scenarios: each drives traffic and breaks one part of the system while it flows.

A scenario's script starts its traffic, breaks and restores things on a timeline measured from
its start, and returns when its traffic has been paced out; the runner then lets every event finish
its retries, waits for both sides to settle and counts (see ``runner.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from .logs import cut_short, periodic_runs
from .settings import ChaosSettings
from .stack import WORKERS, Stack
from .traffic import Traffic


@dataclass
class Context:
    stack: Stack
    settings: ChaosSettings
    traffic: Traffic
    started: float
    say: Callable[[str], None]

    def at(self, offset: float) -> None:
        """Sleeps until ``offset`` seconds after the scenario started."""
        pause = self.started + offset - time.monotonic()
        if pause > 0:
            time.sleep(pause)

    def kill(self, name: str) -> None:
        process = self.stack.supervisor[name]
        pid = process.popen.pid if process.popen else None
        process.kill()
        self.say(f"SIGKILL {name} (process group {pid})")

    def stop(self, name: str) -> None:
        process = self.stack.supervisor[name]
        process.stop()
        self.say(f"stopped {name} ({process.spec.stop_signal.name})")

    def start(self, name: str) -> None:
        self.stack.start(name)
        self.say(f"started {name}")


@dataclass(frozen=True)
class Scenario:
    name: str
    summary_template: str
    script: Callable[[Context], None]
    cleanup: Callable[[Stack], None] | None = None
    """Run after the scenario is counted (undoes what must not outlive it)."""
    evidence: Callable[[Stack, datetime, datetime], list[str]] | None = None
    """More proof of what the faults did, for the scenario's wall-clock window."""

    def summary(self, settings: ChaosSettings) -> str:
        return self.summary_template.format(**asdict(settings))


def worker_kill(ctx: Context) -> None:
    """Three times the usual rate, more than the numbers may send: texts pile up in the shared
    limiter, so each kill catches tasks mid-dispatch (waiting to send, or posting)."""
    s = ctx.settings
    ctx.traffic.outbound(s.lead + 20 + s.tail, s.send_rate * 3)
    ctx.at(s.lead)
    ctx.kill("worker-a")
    ctx.at(s.lead + 3)
    ctx.start("worker-a")
    ctx.at(s.lead + 10)
    ctx.kill("worker-b")
    ctx.at(s.lead + 13)
    ctx.start("worker-b")
    ctx.traffic.join_pacers()


def redis_outage(ctx: Context) -> None:
    s = ctx.settings
    seconds = s.lead + s.redis_outage + s.tail
    ctx.traffic.outbound(seconds, s.send_rate)
    ctx.traffic.inbound(seconds, s.receive_rate)
    ctx.at(s.lead)
    ctx.stop("redis")
    ctx.at(s.lead + s.redis_outage)
    ctx.start("redis")
    ctx.traffic.join_pacers()


def postgres_outage(ctx: Context) -> None:
    s = ctx.settings
    ctx.traffic.inbound(s.lead + s.postgres_outage + s.tail, s.receive_rate)
    ctx.at(s.lead)
    ctx.stop("postgres")
    ctx.at(s.lead + s.postgres_outage)
    ctx.start("postgres")
    ctx.traffic.join_pacers()


def emulator_outage(ctx: Context) -> None:
    s = ctx.settings
    ctx.traffic.outbound(s.lead + s.emulator_outage + s.tail, s.send_rate)
    ctx.at(s.lead)
    ctx.stop("emulator")
    ctx.at(s.lead + s.emulator_outage)
    ctx.start("emulator")
    ctx.traffic.join_pacers()


def rate_limit_storm(ctx: Context) -> None:
    s = ctx.settings
    ctx.traffic.outbound(s.lead + s.storm_seconds + s.tail, s.send_rate)
    ctx.at(s.lead)
    ctx.stack.emulator.add_faults(
        {
            "storm": {
                "seconds": s.storm_seconds,
                "ratio": s.storm_ratio,
                "statuses": [429, 500, 502, 503],
                "retry_after": 1,
                "api": "messaging",
            }
        }
    )
    ctx.say(
        f"storm: {s.storm_ratio:.0%} of messaging requests get 429/5xx for {s.storm_seconds:g} s"
    )
    ctx.traffic.join_pacers()


def duplicate_callbacks(ctx: Context) -> None:
    s = ctx.settings
    seconds = 20.0
    callbacks = int(seconds * s.send_rate) + int(seconds * s.receive_rate)
    ctx.stack.emulator.add_faults(
        {"duplicate_callbacks": callbacks, "duplicate_copies": s.duplicate_copies}
    )
    ctx.say(f"the next {callbacks} callbacks are each delivered {s.duplicate_copies} times")
    ctx.traffic.outbound(seconds, s.send_rate)
    ctx.traffic.inbound(seconds, s.receive_rate)
    ctx.traffic.join_pacers()


def beat_chaos(ctx: Context) -> None:
    """Texts scheduled 10-40 s ahead are held by the workers as countdown tasks; killing the
    workers once all are scheduled loses those tasks (Redis gives them back only after an hour),
    so the ones not yet due go out only through beat's dispatch sweep, run by two beats."""
    s = ctx.settings
    seconds = 30.0
    ctx.traffic.outbound(seconds, s.send_rate / 2)
    ctx.traffic.outbound(seconds, s.send_rate / 2, schedule_ahead=(10.0, 40.0))
    ctx.at(5)
    ctx.kill("beat-1")
    ctx.at(12)
    ctx.start("beat-1")
    ctx.at(15)
    ctx.start("beat-2")
    ctx.say("two beats at once from here until the scenario is counted")
    ctx.traffic.join_pacers()
    for name in WORKERS:
        ctx.kill(name)
    for name in WORKERS:
        ctx.start(name)


def _stop_second_beat(stack: Stack) -> None:
    stack.supervisor["beat-2"].stop()


def _worker_logs(stack: Stack) -> list[Path]:
    return [stack.supervisor.log_dir / f"{name}.log" for name in WORKERS]


def _cut_short(stack: Stack, since: datetime, until: datetime) -> list[str]:
    lost = cut_short(_worker_logs(stack), since, until)
    if not lost:
        return ["the kills found no task in the workers' hands"]
    tasks = ", ".join(f"{task.rsplit('.', 1)[-1]} x{n}" for task, n in lost.most_common())
    return [f"the kills took down tasks the workers held: {tasks}"]


def _periodic_runs(stack: Stack, since: datetime, until: datetime) -> list[str]:
    logs = stack.supervisor.log_dir
    beats = [logs / "beat-1.log", logs / "beat-2.log"]
    return periodic_runs(beats, _worker_logs(stack), since, until).describe() + _cut_short(
        stack, since, until
    )


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "worker-kill",
        "SIGKILL of each Celery worker in turn, mid-send",
        worker_kill,
        evidence=_cut_short,
    ),
    Scenario(
        "redis-down",
        "Redis stopped {redis_outage:g} s while texts are sent and received",
        redis_outage,
    ),
    Scenario(
        "postgres-down", "PostgreSQL stopped {postgres_outage:g} s during inbound", postgres_outage
    ),
    Scenario("emulator-down", "Bandwidth down {emulator_outage:g} s during sends", emulator_outage),
    Scenario(
        "429-5xx-storm",
        "{storm_ratio:.0%} of sends get 429/5xx for {storm_seconds:g} s",
        rate_limit_storm,
    ),
    Scenario(
        "duplicate-callbacks",
        "every callback delivered {duplicate_copies} times at once",
        duplicate_callbacks,
    ),
    Scenario(
        "beat-chaos",
        "beat SIGKILLed, restarted, then two beats; scheduled sends left to beat",
        beat_chaos,
        cleanup=_stop_second_beat,
        evidence=_periodic_runs,
    ),
)
