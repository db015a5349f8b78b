"""The parameters of a run: defaults for ``make bench``, a short smoke run with BENCH_QUICK=1, and
overrides from the environment (BENCH_*) or the command line."""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass, replace
from typing import Any


@dataclass(frozen=True)
class BenchConfig:
    quick: bool = False
    rounds: int = 3
    # Data shaped like production: tenants with numbers each, inbound spread over all of them.
    tenants: int = 100
    numbers_per_tenant: int = 10
    senders_per_number: int = 20
    # Processes: gunicorn workers x threads; Celery worker processes (each with its own pool).
    web_workers: int = 2
    web_threads: int = 4
    celery_workers: int = 1
    celery_pool: str = "threads"
    celery_concurrency: int = 4
    # "private": a redis-server of the bench's own; "external": CELERY_BROKER_URL and CACHE_URL.
    redis: str = "private"
    # (a) webhook vs bare INSERT view, closed loop.
    webhook_seconds: float = 8.0
    webhook_connections: int = 16
    # (b) sustained inbound.
    inbound_rate: float = 300.0
    inbound_seconds: float = 60.0
    inbound_connections: int = 48
    inbound_settle_seconds: float = 180.0
    # (c) outbound dispatch.
    outbound_numbers: int = 20
    outbound_numbers_per_tenant: int = 2
    outbound_rate_per_number: float = 1.0
    outbound_messages_per_number: int = 40
    # (i) a broadcast to imported contacts from 2 numbers (some contacts opted out).
    broadcast_contacts: int = 500
    broadcast_numbers: int = 2
    broadcast_opted_out_every: int = 50
    # Rounds of (i): each is about contacts / numbers seconds long.
    broadcast_rounds: int = 3
    # (d) inbox at 1M messages (100k conversations) unless BENCH_INBOX_N / BENCH_INBOX_SCALE.
    inbox_conversations: int = 100_000
    inbox_scales: tuple[int, ...] = (1,)
    inbox_clients: int = 8
    inbox_rate: float = 16.0
    inbox_seconds: float = 12.0
    # (e) voice initiate.
    voice_rate: float = 100.0
    voice_seconds: float = 15.0
    voice_connections: int = 16
    # (g) inbound drain: stored events drained by 1 and 2 drainers; accepted -> stored at a pace.
    drain_events: int = 3000
    drain_rate: float = 100.0
    drain_seconds: float = 20.0
    # (h) outgoing webhooks: endpoints on the first tenants; a burst, then a paced run.
    outgoing_tenants: int = 10
    outgoing_endpoints_per_tenant: int = 2
    outgoing_burst_events: int = 1000
    outgoing_rate: float = 20.0
    outgoing_seconds: float = 20.0
    # (j) notifications poll: 304 (nothing new) against a full answer.
    poll_events: int = 200
    poll_rate: float = 100.0
    poll_seconds: float = 10.0
    poll_clients: int = 8

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


QUICK: dict[str, Any] = {
    "quick": True,
    "webhook_seconds": 2.0,
    "inbound_seconds": 4.0,
    "inbound_settle_seconds": 60.0,
    "outbound_messages_per_number": 4,
    "broadcast_contacts": 20,
    "broadcast_rounds": 1,
    "inbox_conversations": 2_000,
    "inbox_seconds": 2.0,
    "voice_seconds": 2.0,
    "drain_events": 300,
    "drain_seconds": 3.0,
    "outgoing_burst_events": 100,
    "outgoing_seconds": 3.0,
    "poll_events": 50,
    "poll_seconds": 2.0,
}

_ENV = {
    "BENCH_ROUNDS": ("rounds", int),
    "BENCH_TENANTS": ("tenants", int),
    "BENCH_CELERY_WORKERS": ("celery_workers", int),
    "BENCH_CELERY_POOL": ("celery_pool", str),
    "BENCH_CELERY_CONCURRENCY": ("celery_concurrency", int),
    "BENCH_REDIS": ("redis", str),
    "BENCH_INBOUND_RATE": ("inbound_rate", float),
    "BENCH_INBOUND_SECONDS": ("inbound_seconds", float),
    "BENCH_OUTBOUND_MESSAGES": ("outbound_messages_per_number", int),
    "BENCH_BROADCAST_CONTACTS": ("broadcast_contacts", int),
    "BENCH_BROADCAST_ROUNDS": ("broadcast_rounds", int),
    "BENCH_INBOX_N": ("inbox_conversations", int),
    "BENCH_INBOX_RATE": ("inbox_rate", float),
    "BENCH_DRAIN_EVENTS": ("drain_events", int),
    "BENCH_DRAIN_RATE": ("drain_rate", float),
    "BENCH_OUTGOING_EVENTS": ("outgoing_burst_events", int),
    "BENCH_OUTGOING_RATE": ("outgoing_rate", float),
}


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def from_environment(environ: dict[str, str] | None = None, **overrides: Any) -> BenchConfig:
    """Defaults, then BENCH_QUICK, then BENCH_* variables, then ``overrides`` (not None)."""
    environ = dict(os.environ if environ is None else environ)
    config = BenchConfig()
    if _truthy(environ.get("BENCH_QUICK")) or overrides.get("quick"):
        config = replace(config, **QUICK)
    values: dict[str, Any] = {}
    for name, (field, kind) in _ENV.items():
        if environ.get(name):
            values[field] = kind(environ[name])
    if environ.get("BENCH_INBOX_SCALE"):
        raw = environ["BENCH_INBOX_SCALE"].replace(" ", "").split(",")
        values["inbox_scales"] = tuple(sorted({int(part) for part in raw if part})) or (1,)
    values.update({k: v for k, v in overrides.items() if v is not None and k != "quick"})
    if "redis" not in values and not shutil.which("redis-server"):
        values["redis"] = "external"
    config = replace(config, **values)
    if config.redis not in ("private", "external"):
        raise ValueError("BENCH_REDIS is private or external.")
    if config.rounds < 3 and not config.quick:
        raise ValueError("A run needs at least 3 rounds (BENCH_ROUNDS).")
    return config
