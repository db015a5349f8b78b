"""A one-second, per-process memo in front of the webhook's two cache reads (credentials and number
routing), so a flood of callbacks costs no cache round trip per request.

Each hit is at most MEMO_SECONDS old. Changes made in this process drop the entries at once and
again after commit: the memo listens to numbers.routing's ``routes_forgotten`` and
carrier.webhook_auth's ``credentials_forgotten``, which every writer of numbers, tenants and
callback credentials sends (services, the admin, querysets' ``update()``); other processes see
the change within MEMO_SECONDS. Only successful authentications are kept, so wrong credentials
cannot fill the memo.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Iterable
from numbers.routing import NumberRoute, route_for, routes_forgotten
from typing import Any

from django.http import HttpRequest

from carrier.webhook_auth import authenticated_tenant_id, credentials_forgotten

MEMO_SECONDS = 1.0
MAX_ENTRIES = 10_000


class _Memo:
    def __init__(self) -> None:
        self._entries: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any) -> tuple[bool, Any]:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + MEMO_SECONDS, value)

    def discard(self, key: Any) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_routes = _Memo()
_credentials = _Memo()


def route(number: str) -> NumberRoute | None:
    found, value = _routes.get(number)
    if found:
        return value
    value = route_for(number)
    _routes.put(number, value)
    return value


def tenant_id_for(request: HttpRequest) -> uuid.UUID | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        return None
    key = hashlib.sha256(header.encode()).digest()
    found, value = _credentials.get(key)
    if found:
        return value
    tenant_id = authenticated_tenant_id(request)
    if tenant_id is not None:
        _credentials.put(key, tenant_id)
    return tenant_id


def clear() -> None:
    _routes.clear()
    _credentials.clear()


def _on_routes_forgotten(sender: Any, numbers: Iterable[str], **kwargs: Any) -> None:
    for number in numbers:
        _routes.discard(number)


def _on_credentials_forgotten(sender: Any, **kwargs: Any) -> None:
    _credentials.clear()


def connect_signals() -> None:
    routes_forgotten.connect(_on_routes_forgotten, dispatch_uid="messaging.memo.routes")
    credentials_forgotten.connect(
        _on_credentials_forgotten, dispatch_uid="messaging.memo.credentials"
    )
