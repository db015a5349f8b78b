"""Reads remembered for the length of one batch (the messaging drain's transaction), so a
question many events of the batch ask alike (a number's row, its after-hours text, whether a
webhook endpoint listens) costs one query, not one per event. Outside ``batch()`` nothing is
remembered. Only reads whose answer may be as old as the batch's start belong here."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_remembered: ContextVar[dict[Hashable, Any] | None] = ContextVar("parley_batch", default=None)


@contextmanager
def batch() -> Iterator[None]:
    if _remembered.get() is not None:
        yield
        return
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    memo = _remembered.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    value: T = memo[key]
    return value
