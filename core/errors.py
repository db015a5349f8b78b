"""Business errors of every app: the API renders them through one exception handler, the UI as
form errors. Each has a machine-readable code, a sentence and, where one is at fault, the field."""

from __future__ import annotations


class ParleyError(Exception):
    """A refusal the caller can act on: a machine-readable code, a sentence, the field at fault."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


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
