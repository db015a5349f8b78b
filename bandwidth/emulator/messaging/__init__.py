"""Messaging v2: create/list messages, media, and the message callbacks that follow.

Reserved destinations fail instead of being delivered: ``+1919555CCCC`` where ``CCCC`` is one
of :data:`RESERVED_FAILURES` gets a ``message-failed`` callback with error code ``CCCC`` (for
example ``+19195554720`` → 4720 invalid-destination-address, ``+19195554775`` → 4775 opt-out).
"""

# Importing the handler modules registers their routes.
from bandwidth.emulator.messaging import listing, media  # noqa: F401
from bandwidth.emulator.messaging.common import is_e164, new_message_id, routes
from bandwidth.emulator.messaging.inbound import InboundMedia, receive_inbound
from bandwidth.emulator.messaging.outbound import (
    RESERVED_FAILURES,
    reserved_failure,
    schedule_final_status,
)

__all__ = [
    "RESERVED_FAILURES",
    "InboundMedia",
    "is_e164",
    "new_message_id",
    "receive_inbound",
    "reserved_failure",
    "routes",
    "schedule_final_status",
]
