"""When each inbound message became visible in the database.

The bench database gets a trigger on ``messaging_message`` that sends a NOTIFY with the message's
Bandwidth id for each inbound row. PostgreSQL delivers a notification when the inserting
transaction commits, so the time it arrives here is when the message was stored for everyone to
read (a row's ``created_at`` is earlier: it is set before its batch commits). The trigger exists
only in the bench database; Parley's code is unchanged.
"""

from __future__ import annotations

import threading
import time

import psycopg

CHANNEL = "bench_stored"

TRIGGER_SQL = f"""
CREATE OR REPLACE FUNCTION bench_message_stored() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', NEW.bandwidth_id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER bench_message_stored AFTER INSERT ON messaging_message
    FOR EACH ROW WHEN (NEW.direction = 'in') EXECUTE FUNCTION bench_message_stored();
"""


class StoredListener:
    """Records ``time.time()`` at which each inbound Bandwidth id was committed."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.stored: dict[str, float] = {}
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stored-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the NOTIFY listener did not start")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self._ready.set()
            while not self._stop.is_set():
                for notify in conn.notifies(timeout=0.5):
                    at = time.time()
                    with self.lock:
                        self.stored.setdefault(notify.payload, at)

    def times_for(self, ids: list[str]) -> dict[str, float]:
        with self.lock:
            return {i: self.stored[i] for i in ids if i in self.stored}

    def count_of(self, ids: set[str]) -> int:
        with self.lock:
            return sum(1 for i in ids if i in self.stored)
