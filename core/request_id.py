"""One id per request: taken from the client's ``X-Request-Id`` when it is sane, else made up,
echoed on the response and stamped on every log line written while the request runs."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-Id"
_SANE = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
_current: ContextVar[str] = ContextVar("parley_request_id", default="-")


def current() -> str:
    """The running request's id, ``-`` outside a request."""
    return _current.get()


def clean(value: str | None) -> str:
    """The client's id when it is short printable ASCII, else a fresh one."""
    if value and _SANE.match(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Put first in ``MIDDLEWARE`` so every response, refusals included, carries the header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = clean(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        # Cleared at request_finished, not here: Django logs a 4xx/5xx response
        # ("django.request") after the middleware has returned.
        _current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _clear(**kwargs: object) -> None:
    _current.set("-")


request_finished.connect(_clear, dispatch_uid="parley-request-id-clear")


class RequestIdFilter(logging.Filter):
    """Gives every record a ``request_id`` attribute for the formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True
