"""Messaging v2 of the emulator (being split by concern)."""

from bandwidth.emulator.messaging.outbound import (
    MEDIA_PAGE_SIZE,
    RESERVED_FAILURES,
    InboundMedia,
    is_e164,
    receive_inbound,
    routes,
)

__all__ = [
    "MEDIA_PAGE_SIZE",
    "RESERVED_FAILURES",
    "InboundMedia",
    "is_e164",
    "receive_inbound",
    "routes",
]
