"""Rounds: every figure is measured in several rounds and reported as the median round and the
worst round, never the best one. A comparison alternates its two sides (A, B, A, B, ...), so
slow drift on the machine (other work, a warming cache, a growing table) hits both sides alike.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

T = TypeVar("T")
Better = Literal["higher", "lower"]


def alternate(
    first: Callable[[int], T], second: Callable[[int], T], rounds: int
) -> list[tuple[T, T]]:
    """Runs ``first(r)`` then ``second(r)`` for r = 0 .. rounds-1: A, B, A, B, ..."""
    return [(first(r), second(r)) for r in range(rounds)]


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def worst(values: Sequence[float], better: Better) -> float:
    return min(values) if better == "higher" else max(values)


@dataclass(frozen=True)
class Figure:
    """One figure of a run: its value in each round, the median round and the worst round."""

    key: str
    rounds: tuple[float, ...]
    better: Better

    @property
    def median(self) -> float:
        return median(self.rounds)

    @property
    def worst(self) -> float:
        return worst(self.rounds, self.better)

    def as_json(self) -> dict[str, object]:
        return {
            "median": _rounded(self.median),
            "worst": _rounded(self.worst),
            "rounds": [_rounded(v) for v in self.rounds],
            "better": self.better,
        }


def _rounded(value: float) -> float:
    return round(value, 4) if abs(value) < 10 else round(value, 2)
