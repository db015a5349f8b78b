"""Messaging compliance: 10DLC registration and tnoptions (Numbers API, XML), toll-free
verification and phone number lookup (JSON), and the ``/_sim`` endpoints that decide them."""

from bandwidth.emulator.compliance import sim, tendlc, tollfree
from bandwidth.emulator.http import Routes

routes = Routes(api="compliance")
routes.entries.extend([*tendlc.routes.entries, *tollfree.routes.entries, *sim.routes.entries])

__all__ = ["routes"]
