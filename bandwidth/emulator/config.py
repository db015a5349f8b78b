"""Settings of one emulator instance."""

from __future__ import annotations

from dataclasses import dataclass

BANDWIDTH_CALLBACK_RETRY_WINDOW = 24 * 3600.0
"""Bandwidth retries a callback that did not get a 2xx within 10 s for 24 hours, then drops it."""


def bandwidth_callback_retry_delays(scale: float = 1.0) -> tuple[float, ...]:
    """Delays between the attempts of one callback over Bandwidth's 24 hours, times ``scale``.

    Bandwidth does not publish its intervals; these start at 30 s and double up to 30 minutes
    until the day is used up. ``scale`` compresses the day (0.01 makes it about 14 minutes) so
    a receiver's outage and its recovery fit in a test run.
    """
    delays: list[float] = []
    delay, total = 30.0, 0.0
    while total + delay <= BANDWIDTH_CALLBACK_RETRY_WINDOW:
        delays.append(delay * scale)
        total += delay
        delay = min(delay * 2, 1800.0)
    return tuple(delays)


@dataclass
class EmulatorConfig:
    """Every simulated delay (seconds) is multiplied by ``time_scale`` before it is waited for."""

    host: str = "127.0.0.1"
    port: int = 9900
    account_id: str = "9900000"
    client_id: str = "parley-dev"
    client_secret: str = "parley-dev-secret"
    username: str = "parley-dev"
    password: str = "parley-dev-secret"
    public_url: str = ""
    time_scale: float = 1.0
    order_complete_delay: float = 2.0
    disconnect_complete_delay: float = 2.0
    message_status_delay: float = 0.5
    callback_retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
    """Seconds between the attempts of a failed callback; a short schedule unless the command
    line asks for Bandwidth's 24 hours (``bandwidth_callback_retry_delays``)."""
    callback_timeout: float = 10.0
    callback_workers: int = 1
    """Threads delivering callbacks (and other delayed work); more deliver concurrently and may
    reorder callbacks that fall due at the same moment."""
    message_rate_per_number: float = 1.0
    message_rate_per_account: float = 15.0
    message_queue_seconds: float = 2.0
    list_messages_limit: int = 3500
    list_messages_window: float = 300.0
    calls_per_second: float = 5.0
    max_concurrent_calls: int = 100
    far_end_answer_delay: float = 1.0
    far_end_hangup_after: float = 5.0
    transfer_answer_delay: float = 1.0
    token_ttl: int = 3600
    max_media_bytes: int = 3_932_160
    state_file: str | None = None
    """JSON file the account state is loaded from and saved to (see ``persistence.py``)."""

    @property
    def origin(self) -> str:
        """The scheme://host:port callers use: ``public_url`` when set, else the bound address."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    def scaled(self, seconds: float) -> float:
        return max(0.0, seconds * self.time_scale)
