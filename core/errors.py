"""The base of Parley's business errors, low enough for every app (and core) to raise it."""

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
