"""Traffic drivers: texts sent through Parley's API and texts arriving through the emulator, paced,
each event with a unique key, retried the way a careful client retries.

An integrator resends a send that got no answer, a 429 or a 5xx with the same Idempotency-Key, so
the driver does too, until Parley accepts it or the scenario stops retrying. A customer's phone
(the emulator's simulation endpoint) is retried the same way while the emulator is down.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import requests

from .clients import EmulatorClient, ParleyApi

Direction = Literal["out", "in"]
MAX_BACKOFF = 5.0


@dataclass
class Event:
    """One text the run expects to land exactly once."""

    key: str
    direction: Direction
    from_number: str
    to: str
    send_at: datetime | None = None
    attempts: int = 0
    accepted: bool = False
    refused: bool = False
    """Parley (or the emulator) answered 4xx: a client would not retry."""
    last_answer: str = ""
    refusals: Counter[str] = field(default_factory=Counter)
    """Answers to the attempts that were not accepted, by status code or error name."""
    emulator_ids: list[str] = field(default_factory=list)
    """For inbound texts: the emulator's message id(s), the id Parley stores."""
    replayed: bool = False
    """Parley answered a retry with the message an earlier, failed-looking attempt had stored."""

    @property
    def text(self) -> str:
        return f"chaos {self.key}"


@dataclass(frozen=True)
class Attempt:
    accepted: bool
    refused: bool
    answer: str
    retry_after: float | None = None
    emulator_ids: tuple[str, ...] = ()
    replayed: bool = False


def _answer(response: requests.Response) -> str:
    return f"{response.status_code} {response.text[:120]}".strip()


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


class Traffic:
    """The events of one scenario and the threads that deliver them."""

    def __init__(
        self,
        scenario: str,
        index: int,
        api: ParleyApi,
        emulator: EmulatorClient,
        numbers: Sequence[str],
    ) -> None:
        self.scenario = scenario
        self.index = index
        self.api = api
        self.emulator = emulator
        self.numbers = list(numbers)
        self.events: list[Event] = []
        self._lock = threading.Lock()
        self._counters = {"out": itertools.count(), "in": itertools.count()}
        self._pacers: list[threading.Thread] = []
        self._deliveries: list[Future[None]] = []
        self._pool = ThreadPoolExecutor(max_workers=256, thread_name_prefix=f"chaos-{scenario}")
        self._stop_retrying_at: float | None = None
        self._aborted = threading.Event()

    # --- events ---------------------------------------------------------------------------

    def _new_event(self, direction: Direction, send_at: datetime | None = None) -> Event:
        n = next(self._counters[direction])
        ours = self.numbers[n % len(self.numbers)]
        if direction == "out":
            # A customer of its own per text, so no two texts share a sender and recipient; line
            # numbers from 1000 stay clear of the emulator's reserved ones (0100 is a landline,
            # 0101 deactivated: texts to them are refused, as they should be).
            customer = f"+1984{200 + self.index:03d}{1000 + n:04d}"
            event = Event(f"{self.scenario}-out-{n:05d}", "out", ours, customer, send_at)
        else:
            customer = f"+1984{300 + self.index:03d}{n % 50:04d}"
            event = Event(f"{self.scenario}-in-{n:05d}", "in", customer, ours)
        with self._lock:
            self.events.append(event)
        return event

    # --- pacing ---------------------------------------------------------------------------

    def outbound(
        self, seconds: float, rate: float, schedule_ahead: tuple[float, float] | None = None
    ) -> None:
        """Sends ``rate`` texts a second for ``seconds``; with ``schedule_ahead=(a, b)`` each is
        scheduled for a random moment a to b seconds after it is sent."""

        def make() -> Event:
            send_at = None
            if schedule_ahead is not None:
                ahead = random.uniform(*schedule_ahead)
                send_at = datetime.now(UTC) + timedelta(seconds=ahead)
            return self._new_event("out", send_at)

        self._pace(seconds, rate, make)

    def inbound(self, seconds: float, rate: float) -> None:
        """Customers text the tenant's numbers ``rate`` times a second for ``seconds``."""
        self._pace(seconds, rate, lambda: self._new_event("in"))

    def _pace(self, seconds: float, rate: float, make: Callable[[], Event]) -> None:
        count = int(seconds * rate)

        def pacer() -> None:
            started = time.monotonic()
            for i in range(count):
                pause = started + i / rate - time.monotonic()
                if self._aborted.wait(max(0.0, pause)):
                    return
                event = make()
                future = self._pool.submit(self._deliver, event)
                with self._lock:
                    self._deliveries.append(future)

        thread = threading.Thread(target=pacer, name=f"chaos-pacer-{self.scenario}", daemon=True)
        thread.start()
        self._pacers.append(thread)

    def join_pacers(self) -> None:
        for thread in self._pacers:
            thread.join()

    def finish(self, retry_for: float) -> None:
        """Waits for the pacers, then gives each unaccepted event ``retry_for`` more seconds."""
        self.join_pacers()
        self._stop_retrying_at = time.monotonic() + retry_for
        with self._lock:
            deliveries = list(self._deliveries)
        for future in deliveries:
            future.result()
        self._pool.shutdown(wait=True)

    def abort(self) -> None:
        """Stops pacing and retrying at once (the run is being interrupted)."""
        self._aborted.set()
        self._stop_retrying_at = time.monotonic()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # --- delivery -------------------------------------------------------------------------

    def _deliver(self, event: Event) -> None:
        backoff = 0.5
        while True:
            event.attempts += 1
            attempt = self._attempt(event)
            event.last_answer = attempt.answer
            if not attempt.accepted:
                event.refusals[attempt.answer.split(" ", 1)[0]] += 1
            if attempt.accepted:
                event.accepted = True
                event.emulator_ids = list(attempt.emulator_ids)
                event.replayed = attempt.replayed
                return
            if attempt.refused:
                event.refused = True
                return
            stop_at = self._stop_retrying_at
            if stop_at is not None and time.monotonic() >= stop_at:
                return
            pause = attempt.retry_after if attempt.retry_after is not None else backoff
            if self._aborted.wait(pause + random.uniform(0, 0.25)):
                return
            backoff = min(MAX_BACKOFF, backoff * 2)

    def _attempt(self, event: Event) -> Attempt:
        try:
            if event.direction == "out":
                return self._send(event)
            return self._receive(event)
        except requests.RequestException as exc:
            return Attempt(False, False, type(exc).__name__)

    def _send(self, event: Event) -> Attempt:
        response = self.api.send_message(
            from_number=event.from_number,
            to=event.to,
            text=event.text,
            tag=event.key,
            idempotency_key=event.key,
            send_at=event.send_at.isoformat() if event.send_at else None,
        )
        if response.status_code in (201, 202):
            replayed = response.headers.get("Idempotent-Replayed") == "true"
            return Attempt(True, False, str(response.status_code), replayed=replayed)
        refused = 400 <= response.status_code < 500 and response.status_code != 429
        return Attempt(False, refused, _answer(response), _retry_after(response))

    def _receive(self, event: Event) -> Attempt:
        response = self.emulator.inbound(
            from_number=event.from_number, to=event.to, text=event.text
        )
        if response.status_code == 201:
            ids = tuple(m["id"] for m in response.json()["messages"])
            return Attempt(True, False, "201", emulator_ids=ids)
        refused = 400 <= response.status_code < 500
        return Attempt(False, refused, _answer(response))
