"""The business errors live in ``core.errors``; these names stay importable from here, beside the
errors of the tenants' outbound policy."""

from __future__ import annotations

from core.errors import Conflict, NotFound, ParleyError, PermissionDenied, TenantSuspended

__all__ = [
    "CallLimitReached",
    "Conflict",
    "NotFound",
    "OutboundLimitReached",
    "ParleyError",
    "PermissionDenied",
    "TenantSuspended",
    "TooManyConcurrentCalls",
]


class OutboundLimitReached(ParleyError):
    """A tenant reached one of its outbound call limits (``limit`` names which). Staff are told:
    see ``tenants.services.outbound_limit_alert``."""

    def __init__(
        self,
        message: str,
        *,
        tenant_id: object,
        tenant_name: str,
        limit: str,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.tenant_id = tenant_id
        self.tenant_name = tenant_name
        self.limit = limit
        self.retry_after = retry_after


class TooManyConcurrentCalls(OutboundLimitReached):
    code = "too_many_concurrent_calls"
    status = 409


class CallLimitReached(OutboundLimitReached):
    """Over the calls per hour or the new destinations per day; ``retry_after`` is the number of
    seconds until a slot frees (sent as ``Retry-After``)."""

    code = "call_limit_reached"
    status = 429
