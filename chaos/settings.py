"""What a chaos run does, from ``CHAOS_*`` environment variables (defaults: the issue's values)."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

PARLEY_TIMINGS: dict[str, str] = {
    # A dispatch holds its lease at most this long: a killed worker's message is retried (or
    # reconciled) after it. Production default 120 s; a dispatch takes at most ~30 s here.
    "MESSAGING_DISPATCH_LEASE_SECONDS": "40",
    # Queued messages whose task was lost (worker killed, broker restarted empty) are re-queued by
    # beat after this. Production default 60 s.
    "MESSAGING_STUCK_AFTER_SECONDS": "15",
    # An ambiguous send is looked up on Bandwidth after this, and sent again only when Bandwidth
    # does not have it this long after its claim. Production defaults 30 s and 120 s.
    "MESSAGING_RECONCILE_DELAY_SECONDS": "5",
    "MESSAGING_RECONCILE_GRACE_SECONDS": "30",
}
"""Parley's recovery timings, shortened so a run fits in minutes; an environment variable of the
same name wins, so a run can also use production's values."""


@dataclass(frozen=True)
class ChaosSettings:
    """Seconds unless named otherwise; each field reads ``CHAOS_<FIELD>`` from the environment."""

    redis_outage: float = 30.0
    postgres_outage: float = 30.0
    emulator_outage: float = 60.0
    storm_seconds: float = 120.0
    storm_ratio: float = 0.9
    """Share of Bandwidth messaging requests answered 429 or 5xx during the storm (a storm: one
    request in ten gets through)."""
    duplicate_copies: int = 5
    """How many times the duplicate storm delivers each callback."""
    send_rate: float = 2.0
    """Texts sent through the API per second."""
    receive_rate: float = 2.0
    """Inbound texts the emulator delivers per second."""
    lead: float = 5.0
    """Traffic before a fault starts."""
    tail: float = 5.0
    """Traffic after a fault ends."""
    settle_timeout: float = 240.0
    """How long a scenario waits, after its traffic, for everything to land."""
    numbers: int = 4
    """Local numbers the tenant texts from (each sends one segment a second)."""
    callback_retry_scale: float = 0.01
    """The emulator retries callbacks over Bandwidth's 24 hours times this (0.01: 14 minutes)."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ChaosSettings:
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, float | int] = {}
        for field in fields(cls):
            raw = environ.get(f"CHAOS_{field.name.upper()}")
            if raw is None or raw == "":
                continue
            try:
                values[field.name] = int(raw) if field.type == "int" else float(raw)
            except ValueError:
                raise SystemExit(f"CHAOS_{field.name.upper()}={raw!r} is not a number") from None
        return cls(**values)  # type: ignore[arg-type]

    def describe(self) -> str:
        return ", ".join(f"{f.name}={getattr(self, f.name):g}" for f in fields(self))


def parley_timings(environ: dict[str, str] | None = None) -> dict[str, str]:
    environ = dict(os.environ if environ is None else environ)
    return {name: environ.get(name, default) for name, default in PARLEY_TIMINGS.items()}
