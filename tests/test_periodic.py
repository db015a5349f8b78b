"""The periodic-job lock: one holder at a time, released only by its holder."""

from django.core.cache import cache

from config.periodic import periodic_lock


def test_a_second_run_skips_while_the_first_holds_the_lock():
    with periodic_lock("job", 60) as first, periodic_lock("job", 60) as second:
        assert first and not second
    with periodic_lock("job", 60) as again:
        assert again


def test_a_run_that_outlived_its_lock_does_not_free_the_next_runs():
    with periodic_lock("job", 60) as held:
        assert held
        cache.delete("parley:lock:job")  # the lock expired while this run went on
        assert cache.add("parley:lock:job", "next-run", 60)
    assert cache.get("parley:lock:job") == "next-run"
