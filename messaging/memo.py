"""A one-second, per-process memo in front of the webhook's two cache reads (credentials and number
routing), so a flood of callbacks costs no cache round trip per request.

Each hit is at most MEMO_SECONDS old. Changes made in this process (a PhoneNumber or Provisioning
saved or deleted) drop the entries at once and again after commit, like numbers.routing does for
the shared cache; other processes see them within MEMO_SECONDS. Only successful authentications
are kept, so wrong credentials cannot fill the memo.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from numbers.routing import NumberRoute, route_for
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest

from carrier.webhook_auth import authenticated_tenant_id

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


def _on_number_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    number = instance.number
    _routes.discard(number)
    transaction.on_commit(lambda: _routes.discard(number))


def _on_credentials_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    _credentials.clear()
    transaction.on_commit(_credentials.clear)


def connect_signals() -> None:
    from numbers.models import PhoneNumber

    from carrier.models import Provisioning

    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(_on_number_change, sender=PhoneNumber, dispatch_uid=f"messaging.memo.{name}")
        signal.connect(
            _on_credentials_change, sender=Provisioning, dispatch_uid=f"messaging.memo.c.{name}"
        )
