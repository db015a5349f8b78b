"""Numbers / Dashboard API of the emulator (being split by concern)."""

from bandwidth.emulator.numbers.orders import (
    routes,
    schedule_disconnect_completion,
    schedule_order_completion,
)

__all__ = ["routes", "schedule_disconnect_completion", "schedule_order_completion"]
