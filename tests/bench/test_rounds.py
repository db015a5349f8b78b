"""Comparisons alternate their sides; a figure keeps its median and worst round, never its best."""

from __future__ import annotations

from collections.abc import Callable

from bench.rounds import Figure, alternate


def test_sides_alternate_round_by_round() -> None:
    calls: list[str] = []

    def side(name: str) -> Callable[[int], str]:
        def run(r: int) -> str:
            calls.append(f"{name}{r}")
            return f"{name}{r}"

        return run

    pairs = alternate(side("A"), side("B"), 3)

    assert calls == ["A0", "B0", "A1", "B1", "A2", "B2"]
    assert pairs == [("A0", "B0"), ("A1", "B1"), ("A2", "B2")]


def test_worst_round_is_the_lowest_when_higher_is_better() -> None:
    figure = Figure("ratio", (0.9, 0.7, 0.95), "higher")

    assert figure.median == 0.9
    assert figure.worst == 0.7
    assert figure.as_json()["rounds"] == [0.9, 0.7, 0.95]


def test_worst_round_is_the_highest_when_lower_is_better() -> None:
    figure = Figure("p99", (12.0, 30.0, 10.0, 14.0), "lower")

    assert figure.median == 13.0
    assert figure.worst == 30.0
