"""The chaos suite's counting: what makes a text landed, lost or duplicated, and when a scenario
has settled. Built from observations as the emulator and the database would give them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from chaos.accounting import Counters, Observation, _refused_callbacks, count
from chaos.clients import InboundRow, OutboundRow
from chaos.traffic import Event


def outbound(key: str, **fields: object) -> Event:
    event = Event(key, "out", "+19195550100", "+19842010001")
    event.accepted = True
    for name, value in fields.items():
        setattr(event, name, value)
    return event


def inbound(key: str, accepted: bool = True) -> Event:
    event = Event(key, "in", "+19843010001", "+19195550100")
    event.accepted = accepted
    event.emulator_ids = [f"bw-{key}"] if accepted else []
    return event


def row(
    tag: str, status: str = "delivered", bandwidth_id: str = "bw-1", **kw: object
) -> OutboundRow:
    values: dict[str, object] = {"needs_reconciliation": False, "error_description": ""}
    values.update(kw)
    return OutboundRow(tag, status, bandwidth_id, **values)  # type: ignore[arg-type]


def observation(
    sent: dict[str, int] | None = None,
    rows: dict[str, list[OutboundRow]] | None = None,
    received: dict[str, int] | None = None,
    pending: int = 0,
    raw: dict[str, int] | None = None,
    sent_at: dict[str, list[str]] | None = None,
    counters: Counters | None = None,
) -> Observation:
    inbound_rows = {
        f"chaos {key}": [InboundRow(f"bw-{key}", f"chaos {key}")] * n
        for key, n in (received or {}).items()
    }
    return Observation(
        sent_to_emulator=Counter(sent or {}),
        sent_at=sent_at or {},
        outbound_rows=rows or {},
        inbound_rows=inbound_rows,
        raw_outcomes=raw or {},
        emulator_pending=pending,
        counters=counters or Counters(),
    )


def test_a_text_bandwidth_received_once_and_parley_stored_once_landed() -> None:
    events = [outbound("s-out-1"), inbound("s-in-1")]
    seen = observation({"s-out-1": 1}, {"s-out-1": [row("s-out-1")]}, {"s-in-1": 1})

    tally = count("s", events, seen, Counters())

    assert (tally.sent, tally.landed, tally.lost) == (2, 2, 0)
    assert (tally.duplicate_sends, tally.duplicate_rows) == (0, 0)
    assert tally.ok and not tally.notes


def test_extra_copies_at_bandwidth_and_extra_rows_are_duplicates() -> None:
    events = [outbound("s-out-1"), inbound("s-in-1")]
    seen = observation({"s-out-1": 3}, {"s-out-1": [row("s-out-1"), row("s-out-1")]}, {"s-in-1": 2})

    tally = count("s", events, seen, Counters())

    assert tally.landed == 2
    assert (tally.duplicate_sends, tally.duplicate_rows) == (2, 2)
    assert not tally.ok


def test_lost_texts_say_why() -> None:
    never_accepted = outbound("s-out-1", accepted=False, last_answer="500 oops")
    gave_up = outbound("s-out-2")
    inbound_lost = inbound("s-in-1")
    seen = observation(
        {},
        {"s-out-2": [row("s-out-2", "failed", "", error_description="Bandwidth kept failing")]},
    )

    tally = count("s", [never_accepted, gave_up, inbound_lost], seen, Counters())

    assert (tally.landed, tally.lost) == (0, 3)
    assert not tally.ok
    assert "lost 1: the API never accepted it (last answer: 500 oops)" in tally.notes
    assert "lost 1: Parley gave up: Bandwidth kept failing" in tally.notes
    assert "lost 1: the emulator took it but Parley stored no message" in tally.notes


def test_landed_texts_whose_status_lags_or_that_left_early_are_noted_not_failed() -> None:
    due = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    early = outbound("s-out-1", send_at=due)
    lagging = outbound("s-out-2")
    seen = observation(
        {"s-out-1": 1, "s-out-2": 1},
        {"s-out-1": [row("s-out-1")], "s-out-2": [row("s-out-2", "sending")]},
        sent_at={"s-out-1": [(due - timedelta(seconds=30)).isoformat().replace("+00:00", "Z")]},
        counters=Counters(raw_events_failed=3),
    )

    tally = count("s", [early, lagging], seen, Counters(raw_events_failed=1))

    assert tally.ok
    assert "1 scheduled texts went out before their time" in tally.notes
    assert "1 reached Bandwidth; Parley still shows sending" in tally.notes
    assert "2 raw webhook event(s) ended 'failed' in Parley" in tally.notes


def test_a_scenario_settles_only_when_nothing_is_on_its_way() -> None:
    events = [outbound("s-out-1"), inbound("s-in-1"), outbound("s-out-2", accepted=False)]
    done = {"s-out-1": [row("s-out-1")]}

    assert observation({"s-out-1": 1}, done, {"s-in-1": 1}).settled(events)
    assert not observation({"s-out-1": 1}, done, {"s-in-1": 1}, pending=2).settled(events)
    assert not observation({"s-out-1": 1}, done, {}).settled(events)
    assert not observation({}, done, {"s-in-1": 1}).settled(events)
    queued = {"s-out-1": [row("s-out-1", "queued", "")]}
    assert not observation({}, queued, {"s-in-1": 1}).settled(events)
    checking = {"s-out-1": [row("s-out-1", "sending", "", needs_reconciliation=True)]}
    assert not observation({"s-out-1": 1}, checking, {"s-in-1": 1}).settled(events)
    failed = {"s-out-1": [row("s-out-1", "failed", "")]}
    assert observation({}, failed, {"s-in-1": 1}).settled(events)
    waiting = observation({"s-out-1": 1}, done, {"s-in-1": 1}, raw={"pending": 1})
    assert not waiting.settled(events)


def test_evidence_shows_what_the_faults_did_on_each_side() -> None:
    retried = outbound("s-out-1")
    retried.refusals.update({"500": 3, "ConnectionError": 1})
    quiet = outbound("s-out-2", replayed=True)
    rows = {
        "s-out-1": [row("s-out-1", dispatch_attempts=4)],
        "s-out-2": [row("s-out-2", dispatch_attempts=1)],
    }
    after = Counters(callback_attempts=30, callback_failures=12, injected_faults=9)
    seen = observation({"s-out-1": 1, "s-out-2": 1}, rows, counters=after)
    seen.refused_callbacks.update({"500": 7, "timeout": 3})

    tally = count("s", [retried, quiet], seen, Counters(10, 2, 4, 0))

    assert tally.ok
    assert tally.evidence == [
        "the API turned away 1 texts at first (500x3, ConnectionErrorx1); retried",
        "1 sends were stored although the API answered them with an error; the retry with the "
        "same Idempotency-Key got the stored message back (no duplicate)",
        "Parley made 5 send attempts to Bandwidth for 2 texts",
        "Bandwidth answered 5 requests with an injected 429/5xx",
        "Bandwidth made 20 callback deliveries; 10 got no 2xx and were retried "
        "(500 x7, timeout x3)",
    ]


def test_counters_of_a_restarted_emulator_count_from_zero() -> None:
    before = Counters(callback_attempts=50, callback_failures=5, injected_faults=3)
    after_restart = Counters(callback_attempts=7, callback_failures=6, injected_faults=3)

    assert after_restart.since(before) == Counters(7, 1, 0, 0)


def test_refused_callbacks_are_read_from_the_emulators_log_since_the_scenario_began() -> None:
    since = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    log = [
        {"time": "2026-01-01T11:59:59.000Z", "status": 500, "error": None},
        {"time": "2026-01-01T12:00:01.000Z", "status": 401, "error": None},
        {"time": "2026-01-01T12:00:01.100Z", "status": 500, "error": None},
        {"time": "2026-01-01T12:00:02.000Z", "status": 200, "error": None},
        {"time": "2026-01-01T12:00:03.000Z", "status": None, "error": "Read timed out."},
        {"time": "2026-01-01T12:00:04.000Z", "status": None, "error": "Connection refused"},
        {"time": "2026-01-01T12:00:05.000Z", "status": None, "error": "RemoteDisconnected"},
    ]

    assert _refused_callbacks(log, since) == Counter(
        {"500": 1, "timeout": 1, "connection refused": 1, "connection dropped": 1}
    )
