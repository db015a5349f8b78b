"""Runs scenarios one after another on one stack and counts each."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from .accounting import Counters, Tally, count, settle
from .scenarios import Context, Scenario
from .settings import ChaosSettings
from .stack import Stack
from .traffic import Traffic

RETRY_AFTER_TRAFFIC = 60.0
"""How long the drivers keep retrying texts not yet accepted once a scenario's pacing ended."""


def run_scenario(
    index: int,
    scenario: Scenario,
    stack: Stack,
    settings: ChaosSettings,
    say: Callable[[str], None],
) -> Tally:
    assert stack.tenant is not None
    stack.emulator.clear_faults()
    baseline = Counters.read(stack.emulator, stack.database)
    traffic = Traffic(scenario.name, index, stack.api, stack.emulator, stack.tenant.numbers)
    wall_started = datetime.now()
    utc_started = datetime.now(UTC)
    started = time.monotonic()
    context = Context(stack, settings, traffic, started, say)
    error = ""
    try:
        try:
            scenario.script(context)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            say(f"scenario failed: {error}")
        # What a process manager does in production: start again what is down.
        crashed = stack.revive()
        for name in crashed:
            say(f"{name} had exited by itself; started it again")
        traffic.finish(RETRY_AFTER_TRAFFIC)
    except BaseException:
        traffic.abort()
        raise
    accepted = sum(e.accepted for e in traffic.events)
    say(f"traffic done: {accepted} of {len(traffic.events)} texts accepted; settling")
    traffic_ended = time.monotonic()
    seen, settled = settle(
        stack.emulator, stack.database, traffic.events, settings.settle_timeout, utc_started
    )
    tally = count(scenario.name, traffic.events, seen, baseline)
    tally.seconds = time.monotonic() - started
    tally.settled_after = time.monotonic() - traffic_ended if settled else None
    tally.error = error
    if crashed:
        tally.notes.append("exited by itself and was restarted: " + ", ".join(crashed))
    if not settled:
        tally.notes.append(
            f"still moving {settings.settle_timeout:g} s after the traffic "
            f"(emulator callbacks pending: {seen.emulator_pending}, "
            f"raw events pending: {seen.raw_outcomes.get('pending', 0)})"
        )
    if scenario.evidence is not None:
        tally.evidence += scenario.evidence(stack, wall_started, datetime.now())
    if scenario.cleanup is not None:
        with contextlib.suppress(Exception):
            scenario.cleanup(stack)
    with contextlib.suppress(Exception):
        stack.emulator.clear_faults()
    return tally


def run_all(
    scenarios: Sequence[Scenario],
    stack: Stack,
    settings: ChaosSettings,
    log: Callable[[str], None],
) -> list[Tally]:
    run_started = time.monotonic()
    tallies = []
    for index, scenario in enumerate(scenarios, start=1):

        def say(message: str, name: str = scenario.name) -> None:
            elapsed = int(time.monotonic() - run_started)
            log(f"[{elapsed // 60:02d}:{elapsed % 60:02d}] {name}: {message}")

        say(scenario.summary(settings))
        tally = run_scenario(index, scenario, stack, settings, say)
        say(
            f"{tally.sent} sent, {tally.landed} landed, {tally.lost} lost, "
            f"{tally.duplicate_sends} duplicate sends, {tally.duplicate_rows} duplicate rows "
            f"({tally.seconds:.0f} s)"
        )
        tallies.append(tally)
    return tallies
