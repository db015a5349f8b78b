"""The business errors live in ``core.errors``; these names stay importable from here."""

from core.errors import Conflict, NotFound, ParleyError, PermissionDenied, TenantSuspended

__all__ = ["Conflict", "NotFound", "ParleyError", "PermissionDenied", "TenantSuspended"]
