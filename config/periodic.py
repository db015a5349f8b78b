"""The lock every periodic job takes, so overlapping runs (or a second beat) skip instead of
doing the work twice."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache


@contextmanager
def periodic_lock(name: str, seconds: int) -> Iterator[bool]:
    """Yields True when this run holds the lock, False when another run does.

    The release checks the holder's token, so a run that outlived its lock never frees the lock of
    the run that took it over.
    """
    key = f"parley:lock:{name}"
    token = secrets.token_hex(8)
    held = bool(cache.add(key, token, seconds))
    try:
        yield held
    finally:
        if held and cache.get(key) == token:
            cache.delete(key)
