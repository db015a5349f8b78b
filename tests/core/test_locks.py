"""Locks shared by every process, on both backends: Redis (the cache in tests and production) and
the database table (make run's embedded default, which has no Redis)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from core import locks
from core.locks import DatabaseLock, Lock, RedisLock, try_lock
from core.models import Lock as LockRow

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["redis", "database"])
def make_lock(request: pytest.FixtureRequest, settings) -> Callable[[str, float], Lock]:
    if request.param == "redis":
        url = locks.redis_url()
        assert url, "the test cache is Redis"
        return lambda name, seconds: RedisLock(url, name, seconds)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert locks.redis_url() is None
    return DatabaseLock


def test_lock_picks_redis_when_the_cache_is_redis_and_the_database_otherwise(settings):
    assert isinstance(locks.lock("job", 5), RedisLock)
    file_cache = "django.core.cache.backends.filebased.FileBasedCache"
    settings.CACHES = {"default": {"BACKEND": file_cache, "LOCATION": "/tmp/parley-cache"}}
    assert isinstance(locks.lock("job", 5), DatabaseLock)


def test_one_holder_at_a_time_and_free_again_after_release(make_lock):
    first, second = make_lock("job", 60), make_lock("job", 60)
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_a_holder_that_outlived_its_lock_neither_extends_nor_frees_the_next_holders(make_lock):
    first = make_lock("job", 0.3)
    assert first.acquire()
    threading.Event().wait(0.5)  # the lock expires while its holder still works
    second = make_lock("job", 60)
    assert second.acquire()
    assert not first.extend()
    first.release()
    assert not make_lock("job", 60).acquire(), "the second holder still has it"
    assert second.extend()
    second.release()


def test_extending_keeps_the_lock_past_its_first_expiry(make_lock):
    holder = make_lock("job", 0.4)
    assert holder.acquire()
    for _ in range(3):
        threading.Event().wait(0.2)
        assert holder.extend()
    assert not make_lock("job", 60).acquire()
    holder.release()


def test_only_one_of_many_racing_takers_wins(make_lock):
    taken: list[bool] = []
    barrier = threading.Barrier(8)

    def take() -> None:
        candidate = make_lock("race", 60)
        barrier.wait()
        taken.append(candidate.acquire())
        connection.close()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == [False] * 7 + [True]


def test_try_lock_skips_while_held_and_releases_after(make_lock, settings):
    with try_lock("periodic", 60) as first, try_lock("periodic", 60) as second:
        assert first and not second
    with try_lock("periodic", 60) as again:
        assert again


def test_the_database_lock_releases_only_with_its_holders_token(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    holder = DatabaseLock("job", 60)
    assert holder.acquire()
    DatabaseLock("job", 60).release()  # another process's token: nothing happens
    assert LockRow.objects.get(name="job").holder == holder.token
    holder.release()
    assert not LockRow.objects.filter(name="job").exists()
