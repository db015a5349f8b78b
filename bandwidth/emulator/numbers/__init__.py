"""Numbers / Dashboard API (XML) under ``/api/accounts/{accountId}`` and ``/api/v1/accounts/...``.

Outcomes the emulator decides (Bandwidth's own rules where known, otherwise documented here):

- Orders are answered ``201`` with ``RECEIVED`` and complete after ``order_complete_delay``
  (scaled). At completion each number either goes into service or fails:
  already in service (or taken by an earlier order) → ``5005`` Telephone Number Unavailable;
  last four digits ``0666`` → ``5076`` Telephone number is not available.
  ``PartialAllowed`` false with any failure → ``FAILED`` and nothing is assigned; otherwise
  ``PARTIAL`` (some failed) or ``FAILED`` (all failed) or ``COMPLETE``.
- Synchronous order errors (400 ``OrderResponse/ErrorList``): ``5016`` invalid SiteId (as
  Bandwidth), and emulator-chosen ``5017`` invalid PeerId, ``5018`` unsupported/missing order
  type, ``5019`` invalid CustomerOrderId, ``5020`` empty number list.
- Disconnects of numbers not in service on the account fail per number with ``5006``
  (emulator-chosen).
- Port-ins: see ``bandwidth.emulator.numbers.portins``.
- Search errors: ``4000`` invalid area code and ``4010`` missing parameters are Bandwidth's;
  ``4001`` bad quantity, ``4002`` unknown state, ``4003`` bad ZIP, ``4004`` bad toll-free
  pattern, ``4005`` bad vanity, ``4006`` bad NPA-NXX, ``4007`` conflicting parameters are
  emulator-chosen within Bandwidth's 4000-4026 search range.
"""

# Importing the handler modules registers their routes.
from bandwidth.emulator.numbers import (  # noqa: F401
    applications,
    portins,
    products,
    sites,
    subscriptions,
)
from bandwidth.emulator.numbers.common import e164, routes, ten_digits
from bandwidth.emulator.numbers.disconnects import schedule_disconnect_completion
from bandwidth.emulator.numbers.orders import schedule_order_completion
from bandwidth.emulator.numbers.portins import resume_portins
from bandwidth.emulator.numbers.search import SearchCriteria, SearchError, find_available

__all__ = [
    "SearchCriteria",
    "SearchError",
    "e164",
    "find_available",
    "resume_portins",
    "routes",
    "schedule_disconnect_completion",
    "schedule_order_completion",
    "ten_digits",
]
