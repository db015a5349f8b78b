"""The one Idempotency-Key mechanism of every API POST that creates something.

A request with the header is remembered for ``TTL`` per tenant, scope (``"messages.send"``,
``"numbers.order"``, ``"voice.call"``) and key, with a fingerprint of its canonical body and the
id of what it created. A service uses it in two steps:

1. ``idempotency_lookup`` before validating: a repeat gets the first request's resource back
   (answered with ``Idempotent-Replayed: true`` and the original status), a different body with
   the same key is ``409 idempotency_key_reused``.
2. ``idempotency_claim`` inside the service's transaction, just before its first write, then
   ``claim.complete(resource_id)``. The row is inserted under UNIQUE (tenant, scope, key), so a
   concurrent repeat blocks on that index until the first transaction ends and then replays it
   (or proceeds, if the first rolled back). A repeat that would wait longer than
   ``WAIT_SECONDS`` gets ``409 idempotency_key_in_progress``. Nothing is created twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, OperationalError, models, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter

from .errors import ParleyError
from .models import MAX_KEY_LENGTH, IdempotentRequest

__all__ = [
    "HEADER",
    "MAX_KEY_LENGTH",
    "REPLAYED_HEADER",
    "TTL",
    "Claim",
    "IdempotencyError",
    "IdempotencyKeyInProgress",
    "IdempotencyKeyReused",
    "idempotency_claim",
    "idempotency_lookup",
    "idempotency_purge",
    "openapi_parameters",
    "request_fingerprint",
]

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = timedelta(hours=24)
# How long a repeat waits for a first request with the same key that is still running.
WAIT_SECONDS = 10.0
_LOCK_NOT_AVAILABLE = "55P03"


class IdempotencyError(ParleyError):
    """A refusal about the Idempotency-Key header, naming the header as the field."""

    code = "invalid_idempotency_key"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message, field=HEADER)


class IdempotencyKeyReused(IdempotencyError):
    code = "idempotency_key_reused"
    status = 409


class IdempotencyKeyInProgress(IdempotencyError):
    code = "idempotency_key_in_progress"
    status = 409


def request_fingerprint(body: Mapping[str, Any]) -> str:
    """SHA-256 of the body as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _clean(key: str | None) -> str:
    key = (key or "").strip()
    if len(key) > MAX_KEY_LENGTH:
        raise IdempotencyError(
            f"The {HEADER} header may be at most {MAX_KEY_LENGTH} characters; "
            f"this one has {len(key)}."
        )
    return key


def _rows(tenant: models.Model, scope: str, key: str) -> models.QuerySet[IdempotentRequest]:
    return IdempotentRequest.objects.filter(tenant_id=tenant.pk, scope=scope, key=key)


def _replay(row: IdempotentRequest, fingerprint: str) -> str:
    if row.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            f"This {HEADER} was already used with a different request; "
            "use a new key for a new request."
        )
    if not row.resource_id:
        raise IdempotencyKeyInProgress(
            f"A request with this {HEADER} is still being processed; repeat it in a moment."
        )
    return row.resource_id


def idempotency_lookup(
    *, tenant: models.Model, scope: str, key: str | None, body: Mapping[str, Any]
) -> str | None:
    """The id of what an earlier request with this key created, or None (no key, new key or an
    expired one). Raises ``IdempotencyKeyReused`` when the earlier request had another body."""
    key = _clean(key)
    if not key:
        return None
    row = _rows(tenant, scope, key).filter(expires_at__gt=timezone.now()).first()
    return _replay(row, request_fingerprint(body)) if row is not None else None


@dataclass(frozen=True)
class Claim:
    """The outcome of ``idempotency_claim``: this request goes ahead (and must ``complete``), or
    ``replay_of`` names what the first request with the key created."""

    replay_of: str | None = None
    record_id: int | None = None

    def complete(self, resource_id: Any) -> None:
        """Records what this request created, in the same transaction."""
        if self.record_id is not None:
            IdempotentRequest.objects.filter(pk=self.record_id).update(resource_id=str(resource_id))


def _lock_timeout(value: str) -> str:
    """Sets PostgreSQL's lock_timeout for the rest of the transaction; returns the one before."""
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)", [value]
        )
        row = cursor.fetchone()
    return str(row[0]) if row else "0"


def _is_lock_timeout(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == _LOCK_NOT_AVAILABLE


def idempotency_claim(
    *,
    tenant: models.Model,
    scope: str,
    key: str | None,
    body: Mapping[str, Any],
    now: datetime | None = None,
) -> Claim:
    """Takes the key for this request inside the caller's transaction (see the module's notes).

    Without a key it returns a claim that records nothing.
    """
    key = _clean(key)
    if not key:
        return Claim()
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("idempotency_claim must run inside the transaction of the resource")
    fingerprint = request_fingerprint(body)
    now = now or timezone.now()
    postgres = connection.vendor == "postgresql"
    for _attempt in range(3):
        row = _rows(tenant, scope, key).first()
        if row is not None:
            if row.expires_at > now:
                return Claim(replay_of=_replay(row, fingerprint))
            _rows(tenant, scope, key).filter(pk=row.pk).delete()
        try:
            with transaction.atomic():
                previous = _lock_timeout(f"{int(WAIT_SECONDS * 1000)}ms") if postgres else ""
                record = IdempotentRequest.objects.create(
                    tenant_id=tenant.pk,
                    scope=scope,
                    key=key,
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=now + TTL,
                )
                if postgres:
                    _lock_timeout(previous)
        except IntegrityError:
            continue  # a concurrent request with this key committed first: read what it made
        except OperationalError as error:
            if not _is_lock_timeout(error):
                raise
            break
        return Claim(record_id=record.pk)
    raise IdempotencyKeyInProgress(
        f"A request with this {HEADER} is still being processed; repeat it in a moment."
    )


def idempotency_purge(*, now: datetime | None = None) -> int:
    """Deletes expired keys; returns how many."""
    deleted, _ = IdempotentRequest.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def openapi_parameters(*statuses: int) -> list[OpenApiParameter]:
    """The request header and the replay's response header, for ``extend_schema``."""
    return [
        OpenApiParameter(
            HEADER,
            str,
            OpenApiParameter.HEADER,
            description=(
                f"Makes the request safe to repeat for {int(TTL.total_seconds() // 3600)} hours: "
                "a repeat with the same key and body answers with what the first request made, "
                "and creates nothing. At most "
                f"{MAX_KEY_LENGTH} characters. The same key with another body is "
                "409 idempotency_key_reused; a repeat while the first is still running waits, "
                "or gets 409 idempotency_key_in_progress."
            ),
        ),
        OpenApiParameter(
            REPLAYED_HEADER,
            str,
            OpenApiParameter.HEADER,
            enum=["true"],
            response=list(statuses),
            description="Present (true) when this answer repeats an earlier request's result.",
        ),
    ]
