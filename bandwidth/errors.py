"""Typed errors raised by the Bandwidth client.

Callers decide what to do from the class alone: retry later (RateLimitedError, TransientError
that is not ambiguous), reconcile (TransientError with ambiguous=True), or stop and keep the error
(everything else).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    description: str


@dataclass(frozen=True)
class ErrorDetail:
    """One coded error, as the Numbers API lists them in <ErrorList>."""

    code: str
    description: str
    telephone_number: str | None = None
    """E.164 of the number the error is about, when Bandwidth names one."""


class BandwidthError(Exception):
    def __init__(
        self,
        description: str,
        *,
        status: int | None = None,
        code: str | None = None,
        raw_body: str = "",
        errors: tuple[ErrorDetail, ...] = (),
    ) -> None:
        super().__init__(description if status is None else f"{status}: {description}")
        self.status = status
        self.code = code
        self.description = description
        self.raw_body = raw_body
        self.errors = errors


class AuthenticationError(BandwidthError):
    """401: the credentials or token were refused."""


class ForbiddenError(BandwidthError):
    """403: the credentials lack the role or the resource belongs elsewhere."""


class NotFoundError(BandwidthError):
    pass


class ValidationError(BandwidthError):
    def __init__(
        self,
        description: str,
        *,
        status: int | None = None,
        code: str | None = None,
        raw_body: str = "",
        errors: tuple[ErrorDetail, ...] = (),
        field_errors: tuple[FieldError, ...] = (),
    ) -> None:
        super().__init__(description, status=status, code=code, raw_body=raw_body, errors=errors)
        self.field_errors = field_errors


class ConflictError(BandwidthError):
    pass


class RateLimitedError(BandwidthError):
    def __init__(
        self,
        description: str,
        *,
        status: int | None = None,
        code: str | None = None,
        raw_body: str = "",
        errors: tuple[ErrorDetail, ...] = (),
        retry_after: float | None = None,
    ) -> None:
        super().__init__(description, status=status, code=code, raw_body=raw_body, errors=errors)
        self.retry_after = retry_after


class TransientError(BandwidthError):
    """5xx, connection failure or timeout.

    ambiguous is True when the request may have been processed without us seeing the answer
    (read timeout, connection dropped after sending), so repeating a POST could act twice. A 5xx
    answer is not ambiguous: Bandwidth documents that an error status means nothing was done.
    """

    def __init__(
        self,
        description: str,
        *,
        ambiguous: bool,
        status: int | None = None,
        code: str | None = None,
        raw_body: str = "",
        errors: tuple[ErrorDetail, ...] = (),
    ) -> None:
        super().__init__(description, status=status, code=code, raw_body=raw_body, errors=errors)
        self.ambiguous = ambiguous


class PermanentError(BandwidthError):
    """Any other unexpected status: repeating the same request will not help."""
