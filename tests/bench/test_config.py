"""The bench's parameters: defaults, the quick smoke run, and overrides."""

from __future__ import annotations

import pytest

from bench.config import from_environment
from bench.environment import bench_database_url


def test_defaults_are_the_full_run() -> None:
    config = from_environment({})

    assert not config.quick
    assert config.rounds == 3
    assert (config.tenants, config.numbers_per_tenant) == (100, 10)
    assert (config.inbound_rate, config.inbound_seconds) == (300.0, 60.0)
    assert config.inbox_conversations == 100_000
    assert config.celery_workers == 1


def test_quick_shortens_every_scenario_and_overrides_win() -> None:
    config = from_environment(
        {"BENCH_QUICK": "1", "BENCH_CELERY_WORKERS": "2", "BENCH_INBOX_SCALE": "10, 1"}
    )

    assert config.quick
    assert config.inbound_seconds < 60 and config.inbox_conversations < 100_000
    assert config.celery_workers == 2
    assert config.inbox_scales == (1, 10)
    assert from_environment({}, celery_workers=3).celery_workers == 3


def test_fewer_than_three_rounds_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 3 rounds"):
        from_environment({"BENCH_ROUNDS": "2"})


def test_the_bench_database_is_named_after_the_configured_one() -> None:
    url = bench_database_url("postgres://postgres@127.0.0.1:5432/parley_bench")

    assert url == "postgres://postgres@127.0.0.1:5432/parley_bench_bench"
