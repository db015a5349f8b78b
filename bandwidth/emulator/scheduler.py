"""Background threads running delayed work; simulated delays are scaled by ``time_scale``.

One thread (the default) runs the work in order; more run work that falls due together
concurrently, as Bandwidth delivers callbacks, so one slow receiver does not hold up the rest.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, time_scale: float = 1.0, threads: int = 1) -> None:
        self.time_scale = time_scale
        self._queue: list[tuple[float, int, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        self._generation = 0
        self._running_tasks = 0
        self._condition = threading.Condition()
        self._stopped = False
        self._threads = [
            threading.Thread(target=self._run, name=f"bandwidth-emulator-{index}", daemon=True)
            for index in range(max(1, threads))
        ]
        for thread in self._threads:
            thread.start()

    def call_later(self, delay_seconds: float, fn: Callable[[], None]) -> None:
        """Run ``fn`` after ``delay_seconds * time_scale`` on the scheduler thread."""
        due = time.monotonic() + max(0.0, delay_seconds * self.time_scale)
        with self._condition:
            heapq.heappush(self._queue, (due, next(self._sequence), self._generation, fn))
            self._condition.notify_all()

    def clear(self) -> None:
        """Forget pending work (used by reset); work already running finishes."""
        with self._condition:
            self._queue.clear()
            self._generation += 1
            self._condition.notify_all()

    def pending(self) -> int:
        with self._condition:
            return len(self._queue) + self._running_tasks

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait until nothing is queued or running; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._queue or self._running_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(min(remaining, 0.05))
            return True

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._queue.clear()
            self._condition.notify_all()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)

    def _next_task(self) -> Callable[[], None] | None:
        with self._condition:
            while not self._stopped:
                if self._queue:
                    due, _, generation, fn = self._queue[0]
                    wait = due - time.monotonic()
                    if wait <= 0:
                        heapq.heappop(self._queue)
                        if generation != self._generation:
                            continue
                        self._running_tasks += 1
                        return fn
                    self._condition.wait(wait)
                else:
                    self._condition.wait()
            return None

    def _run(self) -> None:
        while True:
            fn = self._next_task()
            if fn is None:
                return
            try:
                fn()
            except Exception:
                logger.exception("emulator task failed")
            finally:
                with self._condition:
                    self._running_tasks -= 1
                    self._condition.notify_all()
