"""Business errors: the API renders them through one exception handler, the UI as form errors."""

from __future__ import annotations

from core.errors import ParleyError

__all__ = ["Conflict", "NotFound", "ParleyError", "PermissionDenied", "TenantSuspended"]


class PermissionDenied(ParleyError):
    code = "permission_denied"
    status = 403


class TenantSuspended(ParleyError):
    code = "tenant_suspended"
    status = 403


class NotFound(ParleyError):
    code = "not_found"
    status = 404


class Conflict(ParleyError):
    code = "conflict"
    status = 409
