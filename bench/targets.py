"""What each figure is, in words, with its target (when it has one), in the report's order."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from .rounds import Better

Op = Literal["<=", ">="]


@dataclass(frozen=True)
class Spec:
    key: str
    label: str
    unit: str  # "ms", "s", "ratio", "fraction", "count", "MB", "req/s"
    better: Better
    op: Op | None = None
    target: float | None = None

    def passes(self, value: float) -> bool | None:
        """Whether ``value`` meets the target; None when the figure has no target."""
        if self.op is None or self.target is None:
            return None
        if math.isnan(value):
            return False
        return value <= self.target if self.op == "<=" else value >= self.target

    def format(self, value: float) -> str:
        if math.isnan(value):
            return "n/a"
        if self.unit == "count":
            return f"{value:.0f}"
        if self.unit in ("ratio", "fraction"):
            return f"{value:.2f}"
        if self.unit == "s":
            return f"{value:.2f} s"
        if self.unit == "req/s":
            return f"{value:.0f} req/s"
        return f"{value:.1f} {self.unit}"

    def target_text(self) -> str:
        if self.op is None or self.target is None:
            return ""
        return f"{self.op} {self.format(self.target)}"


SPECS: tuple[Spec, ...] = (
    Spec(
        "webhook_ratio",
        "(a) inbound messaging webhook / bare Django INSERT view, throughput",
        "ratio",
        "higher",
        ">=",
        0.85,
    ),
    Spec(
        "webhook_rps",
        "(a) inbound messaging webhook, most req/s (16 connections)",
        "req/s",
        "higher",
    ),
    Spec("bare_insert_rps", "(a) bare INSERT view, most req/s (16 connections)", "req/s", "higher"),
    Spec(
        "inbound_stored_p99_s",
        "(b) webhook accepted -> message stored, p99, sustained inbound",
        "s",
        "lower",
        "<=",
        1.0,
    ),
    Spec("inbound_stored_p50_s", "(b) webhook accepted -> message stored, p50", "s", "lower"),
    Spec(
        "inbound_drain_after_stop_s",
        "(b) backlog back to zero after the load stops",
        "s",
        "lower",
        "<=",
        5.0,
    ),
    Spec("inbound_webhook_p99_ms", "(b) webhook answer p99, from when due", "ms", "lower"),
    Spec("inbound_intake_rps", "(b) webhook requests answered 2xx per second", "req/s", "higher"),
    Spec("inbound_backlog_max", "(b) largest backlog of pending events", "count", "lower"),
    Spec(
        "outbound_rate_fraction",
        "(c) outbound dispatch, achieved / allowed rate (20 numbers x 1 segment/s)",
        "fraction",
        "higher",
        ">=",
        0.95,
    ),
    Spec("outbound_429s", "(c) 429s from Bandwidth (the emulator)", "count", "lower", "<=", 0),
    Spec("outbound_duplicates", "(c) messages Bandwidth received twice", "count", "lower", "<=", 0),
    Spec(
        "broadcast_rate_fraction",
        "(i) broadcast to 500 imported contacts from 2 numbers, achieved / allowed (2 x 1/s)",
        "fraction",
        "higher",
        ">=",
        0.95,
    ),
    Spec(
        "broadcast_429s", "(i) 429s from Bandwidth during the broadcast", "count", "lower", "<=", 0
    ),
    Spec(
        "broadcast_duplicates",
        "(i) broadcast texts Bandwidth received twice",
        "count",
        "lower",
        "<=",
        0,
    ),
    Spec(
        "broadcast_opted_out_sent",
        "(i) opted-out contacts texted by the broadcast",
        "count",
        "lower",
        "<=",
        0,
    ),
    Spec("broadcast_seconds", "(i) broadcast, first to last text accepted", "s", "lower"),
    Spec(
        "inbox_list_p95_ms",
        "(d) API message list p95, 8 concurrent clients, 1M messages",
        "ms",
        "lower",
        "<=",
        25.0,
    ),
    Spec(
        "inbox_thread_p95_ms",
        "(d) thread page p95, 8 concurrent clients, 1M messages",
        "ms",
        "lower",
        "<=",
        25.0,
    ),
    Spec(
        "voice_initiate_p99_ms",
        "(e) voice initiate -> BXML p99 at 100 req/s",
        "ms",
        "lower",
        "<=",
        30.0,
    ),
    Spec("web_rss_mb", "(f) web worker RSS after the load (largest)", "MB", "lower", "<=", 150.0),
    Spec(
        "celery_rss_mb",
        "(f) Celery worker RSS after the load (largest)",
        "MB",
        "lower",
        "<=",
        200.0,
    ),
    Spec(
        "drain_eps_1",
        "(g) drain throughput 1 worker (one drainer process), stored events",
        "events/s",
        "higher",
    ),
    Spec(
        "drain_eps_2",
        "(g) drain throughput 2 workers (two drainer processes), stored events",
        "events/s",
        "higher",
    ),
    Spec(
        "drain_not_exactly_once",
        "(g) drained events not stored as exactly one message",
        "count",
        "lower",
        "<=",
        0,
    ),
    Spec(
        "drain_stored_p50_s_1",
        "(g) accepted→stored p50 with 1 Celery worker, paced inbound",
        "s",
        "lower",
    ),
    Spec(
        "drain_stored_p99_s_1",
        "(g) accepted→stored p99 with 1 Celery worker, paced inbound",
        "s",
        "lower",
    ),
    Spec(
        "drain_stored_p50_s_2",
        "(g) accepted→stored p50 with 2 Celery workers, paced inbound",
        "s",
        "lower",
    ),
    Spec(
        "drain_stored_p99_s_2",
        "(g) accepted→stored p99 with 2 Celery workers, paced inbound",
        "s",
        "lower",
    ),
    Spec(
        "outgoing_deliveries_per_s",
        "(h) outgoing webhooks fan-out, deliveries/s to a local receiver (burst)",
        "deliveries/s",
        "higher",
    ),
    Spec(
        "outgoing_event_to_sent_p50_s",
        "(h) domain event → webhook delivery sent, p50 (paced)",
        "s",
        "lower",
    ),
    Spec(
        "outgoing_event_to_sent_p99_s",
        "(h) domain event → webhook delivery sent, p99 (paced)",
        "s",
        "lower",
    ),
    Spec(
        "outgoing_missing",
        "(h) webhook deliveries missing after the settle time",
        "count",
        "lower",
        "<=",
        0,
    ),
    Spec("poll_304_p95_ms", "(j) notifications poll, nothing new (304), p95", "ms", "lower"),
    Spec("poll_full_p95_ms", "(j) notifications poll, full answer, p95", "ms", "lower"),
)

BY_KEY = {spec.key: spec for spec in SPECS}
