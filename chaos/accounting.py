"""Counting what landed: each event is looked up on both sides, in the emulator (what Bandwidth
received from Parley, or delivered to it) and in Parley's database (the messages it stored).

- outbound text: landed when the emulator received it and Parley has its row; lost when the
  emulator never received it; each extra copy the emulator received is a duplicate send, each
  extra row a duplicate message.
- inbound text: landed when Parley stored a message for it; lost when it did not; each extra row
  is a duplicate message.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import astuple, dataclass, field
from datetime import datetime
from typing import Any

from .clients import EmulatorClient, InboundRow, OutboundRow, ParleyDatabase
from .traffic import Event

FINAL_OUTBOUND = ("delivered", "failed")
SETTLED_OUTBOUND = ("sending", "sent", "delivered", "failed")


@dataclass(frozen=True)
class Counters:
    """Running totals on both sides, read before and after a scenario to show what it did."""

    callback_attempts: int = 0
    callback_failures: int = 0
    injected_faults: int = 0
    raw_events_failed: int = 0

    @classmethod
    def from_state(cls, state: dict[str, Any], raw_outcomes: dict[str, int]) -> Counters:
        return cls(
            int(state.get("callback_attempts", 0)),
            int(state.get("callback_failures", 0)),
            int(state.get("faults", {}).get("injected", 0)),
            raw_outcomes.get("failed", 0),
        )

    @classmethod
    def read(cls, emulator: EmulatorClient, database: ParleyDatabase) -> Counters:
        return cls.from_state(emulator.state(), database.raw_event_outcomes())

    def since(self, earlier: Counters) -> Counters:
        """The difference; a total that went down (the emulator restarted) counts from zero."""
        values = [
            now - before if now >= before else now
            for now, before in zip(astuple(self), astuple(earlier), strict=True)
        ]
        return Counters(*values)


@dataclass
class Observation:
    """Both sides, for one scenario's events, at one moment."""

    sent_to_emulator: Counter[str]
    """Outbound: how many messages the emulator received with each event's tag."""
    sent_at: dict[str, list[str]]
    """Outbound: when the emulator received each copy (ISO times)."""
    outbound_rows: dict[str, list[OutboundRow]]
    inbound_rows: dict[str, list[InboundRow]]
    raw_outcomes: dict[str, int]
    emulator_pending: int
    """Delayed work the emulator still has: callbacks and their retries."""
    counters: Counters = field(default_factory=Counters)
    refused_callbacks: Counter[str] = field(default_factory=Counter)
    """Why callback deliveries since the scenario started got no 2xx (from the emulator's log
    of its last 1000 deliveries)."""

    @classmethod
    def take(
        cls,
        emulator: EmulatorClient,
        database: ParleyDatabase,
        events: list[Event],
        since: datetime | None = None,
    ) -> Observation:
        state = emulator.state()
        tags = {e.key for e in events if e.direction == "out"}
        sent: Counter[str] = Counter()
        sent_at: dict[str, list[str]] = defaultdict(list)
        for message in state["messages"]:
            tag = message.get("tag")
            if message["direction"] == "out" and tag in tags:
                sent[tag] += 1
                sent_at[tag].append(message["time"])
        outbound: dict[str, list[OutboundRow]] = defaultdict(list)
        for row in database.outbound(sorted(tags)):
            outbound[row.tag].append(row)
        inbound: dict[str, list[InboundRow]] = defaultdict(list)
        for in_row in database.inbound([e.text for e in events if e.direction == "in"]):
            inbound[in_row.text].append(in_row)
        raw = database.raw_event_outcomes()
        return cls(
            sent,
            dict(sent_at),
            dict(outbound),
            dict(inbound),
            raw,
            int(state.get("scheduled", 0)),
            Counters.from_state(state, raw),
            _refused_callbacks(state.get("callback_log", []), since),
        )

    def settled(self, events: list[Event]) -> bool:
        """Nothing is still on its way: every accepted text is settled on both sides and the
        emulator has no callback left to deliver."""
        if self.emulator_pending or self.raw_outcomes.get("pending", 0):
            return False
        for event in events:
            if not event.accepted:
                continue
            if event.direction == "out":
                rows = self.outbound_rows.get(event.key, [])
                if not rows or any(_in_progress(row) for row in rows):
                    return False
                if self.sent_to_emulator[event.key] == 0 and all(
                    row.status != "failed" for row in rows
                ):
                    return False
            elif not self.inbound_rows.get(event.text):
                return False
        return True


def _refused_callbacks(log: list[dict[str, Any]], since: datetime | None) -> Counter[str]:
    """Failed deliveries by reason; a 401 is the Basic challenge that precedes every delivery."""
    reasons: Counter[str] = Counter()
    for entry in log:
        at = datetime.fromisoformat(str(entry["time"]).replace("Z", "+00:00"))
        if since is not None and at < since:
            continue
        status, error = entry.get("status"), str(entry.get("error") or "")
        if status is not None:
            if not 200 <= int(status) < 300 and int(status) != 401:
                reasons[str(status)] += 1
        elif "timed out" in error.lower():
            reasons["timeout"] += 1
        elif "refused" in error.lower():
            reasons["connection refused"] += 1
        elif error:
            reasons["connection dropped"] += 1
    return reasons


def _in_progress(row: OutboundRow) -> bool:
    return (
        row.needs_reconciliation
        or row.status not in SETTLED_OUTBOUND
        or not (row.bandwidth_id or row.status == "failed")
    )


@dataclass
class Tally:
    scenario: str
    outbound: int = 0
    inbound: int = 0
    landed: int = 0
    lost: int = 0
    duplicate_sends: int = 0
    duplicate_rows: int = 0
    seconds: float = 0.0
    settled_after: float | None = None
    """Seconds from the end of the traffic until everything had landed; None: it never did."""
    evidence: list[str] = field(default_factory=list)
    """What the faults did (retries, refused callbacks, injected errors): proof they bit."""
    notes: list[str] = field(default_factory=list)
    """What went wrong, or is worth a look."""
    error: str = ""

    @property
    def sent(self) -> int:
        return self.outbound + self.inbound

    @property
    def ok(self) -> bool:
        return not (self.error or self.lost or self.duplicate_sends or self.duplicate_rows)


def count(scenario: str, events: list[Event], seen: Observation, baseline: Counters) -> Tally:
    tally = Tally(scenario)
    lost_why: Counter[str] = Counter()
    remarks: Counter[str] = Counter()
    for event in events:
        if event.direction == "out":
            tally.outbound += 1
            copies = seen.sent_to_emulator[event.key]
            rows = seen.outbound_rows.get(event.key, [])
            tally.duplicate_sends += max(0, copies - 1)
            tally.duplicate_rows += max(0, len(rows) - 1)
            if copies and rows:
                tally.landed += 1
                _outbound_remarks(event, rows, seen.sent_at.get(event.key, []), remarks)
            else:
                tally.lost += 1
                lost_why[_why_outbound_lost(event, rows, copies)] += 1
        else:
            tally.inbound += 1
            in_rows = seen.inbound_rows.get(event.text, [])
            tally.duplicate_rows += max(0, len(in_rows) - 1)
            if in_rows:
                tally.landed += 1
            else:
                tally.lost += 1
                lost_why[_why_inbound_lost(event)] += 1
    tally.notes += [f"lost {n}: {why}" for why, n in lost_why.most_common()]
    tally.notes += [f"{n} {remark}" for remark, n in remarks.most_common()]
    done = seen.counters.since(baseline)
    if done.raw_events_failed > 0:
        tally.notes.append(
            f"{done.raw_events_failed} raw webhook event(s) ended 'failed' in Parley"
        )
    tally.evidence = _evidence(events, seen, done)
    return tally


def _evidence(events: list[Event], seen: Observation, done: Counters) -> list[str]:
    lines = []
    for direction, who in (("out", "the API"), ("in", "the emulator's inbound endpoint")):
        retried = [e for e in events if e.direction == direction and e.refusals]
        if retried:
            answers: Counter[str] = Counter()
            for event in retried:
                answers.update(event.refusals)
            shown = ", ".join(f"{answer}x{n}" for answer, n in answers.most_common(4))
            lines.append(f"{who} turned away {len(retried)} texts at first ({shown}); retried")
    replayed = sum(e.replayed for e in events)
    if replayed:
        lines.append(
            f"{replayed} sends were stored although the API answered them with an error; the "
            "retry with the same Idempotency-Key got the stored message back (no duplicate)"
        )
    rows = [row for e in events for row in seen.outbound_rows.get(e.key, [])]
    attempts = sum(row.dispatch_attempts for row in rows)
    if attempts > len(rows):
        lines.append(f"Parley made {attempts} send attempts to Bandwidth for {len(rows)} texts")
    if done.injected_faults:
        lines.append(f"Bandwidth answered {done.injected_faults} requests with an injected 429/5xx")
    if done.callback_attempts:
        reasons = ", ".join(f"{r} x{n}" for r, n in seen.refused_callbacks.most_common(4))
        lines.append(
            f"Bandwidth made {done.callback_attempts} callback deliveries; "
            f"{done.callback_failures} got no 2xx and were retried"
            + (f" ({reasons})" if reasons else "")
        )
    return lines


def _why_outbound_lost(event: Event, rows: list[OutboundRow], copies: int) -> str:
    if not event.accepted:
        if event.refused:
            return f"the API refused it ({event.last_answer})"
        return f"the API never accepted it (last answer: {event.last_answer})"
    if not rows:
        return "accepted by the API but no message row"
    statuses = sorted({row.status for row in rows})
    if copies == 0 and "failed" in statuses:
        reasons = sorted({row.error_description for row in rows if row.error_description})
        return "Parley gave up: " + ("; ".join(reasons) or "failed")
    return f"never reached Bandwidth (Parley status {'/'.join(statuses)})"


def _why_inbound_lost(event: Event) -> str:
    if not event.accepted:
        return f"the emulator never took it (last answer: {event.last_answer})"
    return "the emulator took it but Parley stored no message"


def _outbound_remarks(
    event: Event, rows: list[OutboundRow], sent_times: list[str], remarks: Counter[str]
) -> None:
    statuses = {row.status for row in rows}
    if "failed" in statuses:
        remarks["reached Bandwidth but are 'failed' in Parley"] += 1
    elif not statuses & set(FINAL_OUTBOUND):
        remarks[f"reached Bandwidth; Parley still shows {'/'.join(sorted(statuses))}"] += 1
    if event.send_at is not None and sent_times:
        first = min(datetime.fromisoformat(t.replace("Z", "+00:00")) for t in sent_times)
        if (event.send_at - first).total_seconds() > 1:
            remarks["scheduled texts went out before their time"] += 1


def settle(
    emulator: EmulatorClient,
    database: ParleyDatabase,
    events: list[Event],
    timeout: float,
    since: datetime | None = None,
    poll: float = 2.0,
) -> tuple[Observation, bool]:
    """Polls both sides until the scenario's texts have settled or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            seen = Observation.take(emulator, database, events, since)
        except Exception:
            if time.monotonic() >= deadline:
                raise
            time.sleep(poll)
            continue
        if seen.settled(events) or time.monotonic() >= deadline:
            return seen, seen.settled(events)
        time.sleep(poll)
