"""The scenarios of ``make bench``, in the order they run.

The inbox runs first, on the freshly seeded history; the memory reading runs last, after all the
load. Every scenario takes the environment and the run's parameters and returns its figures (one
value per round) with details.
"""

from __future__ import annotations

from . import broadcast, drain, inbound, inbox, memory, outbound, outgoing, poll, voice, webhook
from .base import Outcome, Scenario

ALL: dict[str, Scenario] = {
    "inbox": inbox.run,
    "webhook": webhook.run,
    "inbound": inbound.run,
    "outbound": outbound.run,
    "voice": voice.run,
    "drain": drain.run,
    "outgoing": outgoing.run,
    "broadcast": broadcast.run,
    "poll": poll.run,
    "memory": memory.run,
}

__all__ = ["ALL", "Outcome", "Scenario"]
