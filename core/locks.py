"""Named locks shared by every process: periodic jobs that must not overlap, drain slots.

Which lock, and why:

- When the cache is Redis (tests, production), redis-py's ``Lock``: ``SET NX PX`` to take it,
  and Lua scripts that compare the holder's token before they extend or delete it. Redis is
  already the shared place every worker reaches, and a lock there costs one round trip.
- Otherwise (``make run``'s embedded default: SQLite, a file cache, no Redis), a row of
  ``core_lock`` in the database every process shares. Each step is one statement, atomic in any
  SQL database: the primary key lets one ``INSERT`` win; extending and releasing are an
  ``UPDATE`` / ``DELETE ... WHERE name = %s AND holder = %s``, so only the holder's token
  changes the row. An expired row is removed by a ``DELETE ... WHERE expires_at <= now``
  before the ``INSERT``. (Advisory locks would need PostgreSQL; a cache ``get`` followed by a
  ``delete`` is not atomic.) Take these locks outside a transaction, or the row is invisible to
  the other processes until it commits.

Every lock expires after ``seconds`` unless its holder extends it, so a holder that died frees
it. A holder that outlived its lock finds out (``extend`` is False) and never frees the lock of
the one that took it over.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

PREFIX = "parley:lock:"


class Lock(Protocol):
    name: str

    def acquire(self) -> bool:
        """Takes the lock if it is free; never waits."""
        ...

    def extend(self) -> bool:
        """Renews the lock for its full time; False when this holder lost it."""
        ...

    def release(self) -> None:
        """Frees the lock if this holder still has it."""
        ...


def redis_url() -> str | None:
    """The cache's Redis URL, when the cache is Redis."""
    cache = settings.CACHES["default"]
    if "redis" not in str(cache.get("BACKEND", "")).lower():
        return None
    location = cache.get("LOCATION")
    if isinstance(location, list | tuple):
        location = location[0]
    return str(location) if location else None


@lru_cache(maxsize=4)
def _redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


class RedisLock:
    def __init__(self, url: str, name: str, seconds: float) -> None:
        from redis.lock import Lock as RedisPyLock

        self.name = name
        self.seconds = seconds
        self._lock = RedisPyLock(
            _redis_client(url), PREFIX + name, timeout=seconds, blocking=False, thread_local=False
        )

    def acquire(self) -> bool:
        return bool(self._lock.acquire(blocking=False))

    def extend(self) -> bool:
        from redis.exceptions import LockError

        try:
            return bool(self._lock.extend(self.seconds, replace_ttl=True))
        except LockError:
            return False

    def release(self) -> None:
        from redis.exceptions import LockError

        # When it expired and another holder has it now, theirs stays.
        with suppress(LockError):
            self._lock.release()


class DatabaseLock:
    def __init__(self, name: str, seconds: float) -> None:
        self.name = name
        self.seconds = seconds
        self.token = secrets.token_hex(16)

    def _rows(self) -> Any:
        from .models import Lock as LockRow

        return LockRow.objects.filter(name=self.name)

    def acquire(self) -> bool:
        from .models import Lock as LockRow

        now = timezone.now()
        self._rows().filter(expires_at__lte=now).delete()
        try:
            with transaction.atomic():
                LockRow.objects.create(
                    name=self.name,
                    holder=self.token,
                    expires_at=now + timedelta(seconds=self.seconds),
                )
        except IntegrityError:
            return False
        return True

    def extend(self) -> bool:
        expires = timezone.now() + timedelta(seconds=self.seconds)
        return bool(self._rows().filter(holder=self.token).update(expires_at=expires))

    def release(self) -> None:
        self._rows().filter(holder=self.token).delete()


def lock(name: str, seconds: float) -> Lock:
    """A lock named ``name`` that expires ``seconds`` after it is taken or last extended."""
    url = redis_url()
    if url:
        return RedisLock(url, name, seconds)
    return DatabaseLock(name, seconds)


@contextmanager
def try_lock(name: str, seconds: float) -> Iterator[bool]:
    """Yields True when this run holds the lock, False when another run does (then skip)."""
    held = lock(name, seconds)
    taken = held.acquire()
    try:
        yield taken
    finally:
        if taken:
            held.release()


def first_free(names: list[str], seconds: float) -> Lock | None:
    """Takes the first free lock of ``names`` (slots of a bounded pool); None when all are held."""
    for name in names:
        candidate = lock(name, seconds)
        if candidate.acquire():
            return candidate
    return None
