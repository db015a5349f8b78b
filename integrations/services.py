"""Outgoing webhooks: endpoints, the event outbox, fan-out and signed delivery.

Domain apps call ``event_record`` inside the transaction of the change it reports; the event row
commits or rolls back with the change. After commit a task fans the event out to the tenant's
endpoints (one ``Delivery`` each) and a task per delivery sends it, retried on the schedule of
``WEBHOOKS`` (``core.retries``). A periodic sweep picks up whatever a lost task left behind.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from standardwebhooks import Webhook

from core import secret_box
from core.batch import remembered
from core.errors import Conflict, ParleyError
from core.retries import Classification, RetryLater, RetryPolicy
from tenants.models import Membership, Tenant

from . import catalogue, transport
from .models import Delivery, DeliveryAttempt, Event, WebhookEndpoint

logger = logging.getLogger("parley.integrations")

SECRET_PREFIX = "whsec_"
MAX_ENDPOINTS = 20
LEASE_SECONDS = 30.0
SUCCESS_STAMP_SECONDS = 60.0
ENDPOINT_OFF = "The endpoint is disabled."
COUNTDOWN_LIMIT_SECONDS = 60.0
"""Waits up to this long are a task countdown; longer ones are picked up by the sweep, since a
Redis broker redelivers tasks whose countdown passes its visibility timeout."""


class DeliveryFailed(Exception):
    """The endpoint did not answer 2xx (or not at all)."""


WEBHOOKS = RetryPolicy(
    Classification(retry=(DeliveryFailed,), fail=(transport.UnsafeDestination,)),
    horizon_setting="WEBHOOK_RETRY_HORIZON_SECONDS",
    schedule_setting="WEBHOOK_RETRY_SCHEDULE",
)


# --- endpoints -----------------------------------------------------------------------------------


def _new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _clean_event_types(event_types: Any) -> list[str]:
    if not isinstance(event_types, list) or not event_types:
        raise ParleyError("Choose at least one event type.", field="event_types")
    unknown = [t for t in event_types if t not in catalogue.EVENTS]
    if unknown:
        raise ParleyError(
            f"Unknown event type {unknown[0]!r}; known: {', '.join(catalogue.EVENT_TYPES)}.",
            field="event_types",
            code="unknown_event_type",
        )
    return sorted(set(event_types))


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ParleyError("Enter the URL to send events to.", field="url")
    if len(url) > 2000:
        raise ParleyError("The URL is longer than 2000 characters.", field="url")
    transport.check_url(url)
    return url


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > 200:
        raise ParleyError("The description is longer than 200 characters.", field="description")
    return description


@transaction.atomic
def webhook_endpoint_create(
    *, tenant: Tenant, url: str, event_types: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret, returned once (Parley keeps it encrypted)."""
    url = _clean_url(url)
    types = _clean_event_types(event_types)
    description = _clean_description(description)
    if WebhookEndpoint.objects.for_tenant(tenant).count() >= MAX_ENDPOINTS:
        raise Conflict(f"A tenant can have at most {MAX_ENDPOINTS} webhook endpoints.")
    secret = _new_secret()
    endpoint = WebhookEndpoint.objects.create(
        tenant=tenant,
        url=url,
        description=description,
        event_types=types,
        secret_encrypted=secret_box.encrypt(secret),
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    description: str | None = None,
    event_types: list[str] | None = None,
    enabled: bool | None = None,
    replay_missed: bool = False,
) -> WebhookEndpoint:
    """Changes the endpoint. Re-enabling with ``replay_missed`` queues what it missed while off:
    its failed deliveries since it was disabled and the events it was never sent."""
    clean_url = _clean_url(url) if url is not None else None
    clean_types = _clean_event_types(event_types) if event_types is not None else None
    clean_description = _clean_description(description) if description is not None else None
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if clean_url is not None:
        locked.url = clean_url
    if clean_types is not None:
        locked.event_types = clean_types
    if clean_description is not None:
        locked.description = clean_description
    replay_from = None
    if enabled is True and not locked.enabled:
        replay_from = locked.disabled_at
        locked.enabled = True
        locked.disabled_at = None
        locked.disabled_reason = ""
        locked.failing_since = None
    elif enabled is False and locked.enabled:
        locked.enabled = False
        locked.disabled_at = timezone.now()
        locked.disabled_reason = ""
    locked.save()
    if replay_missed and replay_from is not None:
        _replay_missed(locked, replay_from)
    return locked


def _replay_missed(endpoint: WebhookEndpoint, since: datetime) -> int:
    created = 0
    events = Event.objects.filter(
        tenant_id=endpoint.tenant_id,
        endpoint__isnull=True,
        type__in=endpoint.event_types,
        created_at__gte=since,
    ).exclude(deliveries__endpoint=endpoint)
    for event in events.order_by("created_at", "id").iterator():
        Delivery.objects.create(tenant_id=endpoint.tenant_id, endpoint=endpoint, event=event)
        created += 1
    # Failed while it was off: created since, held back because it was off, or the attempt whose
    # answer (a 410, the last of 5 days of failures) switched it off.
    failed = Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.FAILED).filter(
        Q(created_at__gte=since)
        | Q(last_error=ENDPOINT_OFF)
        | Q(last_attempt_at__gte=since - timedelta(minutes=1))
    )
    replayed = _requeue(failed)
    _enqueue_due_after_commit(endpoint.pk)
    return created + replayed


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """A new secret, returned once. The old one keeps signing beside it (two signatures in
    ``webhook-signature``) for ``WEBHOOK_SECRET_OVERLAP_SECONDS``, while receivers switch."""
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = _new_secret()
    locked.previous_secret_encrypted = locked.secret_encrypted
    locked.previous_secret_expires_at = timezone.now() + timedelta(
        seconds=float(settings.WEBHOOK_SECRET_OVERLAP_SECONDS)
    )
    locked.secret_encrypted = secret_box.encrypt(secret)
    locked.save()
    return locked, secret


@transaction.atomic
def webhook_endpoint_ping(*, endpoint: WebhookEndpoint) -> Delivery:
    """Sends a ``ping`` to this endpoint alone (the test button)."""
    now = timezone.now()
    event = Event.objects.create(
        tenant_id=endpoint.tenant_id,
        type=catalogue.PING,
        endpoint=endpoint,
        fanned_out_at=now,
        payload={
            "type": catalogue.PING,
            "timestamp": _iso(now),
            "data": {"endpoint_id": endpoint.pk},
        },
    )
    delivery = Delivery.objects.create(tenant_id=endpoint.tenant_id, endpoint=endpoint, event=event)
    _enqueue_deliveries_after_commit([delivery.pk])
    return delivery


def _disable(endpoint: WebhookEndpoint, reason: str) -> None:
    """Switches a locked endpoint off for a reason its owners are told about."""
    if not endpoint.enabled:
        return
    endpoint.enabled = False
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = reason[:300]
    endpoint.save()
    logger.warning("webhook endpoint %s disabled: %s", endpoint.pk, reason)
    endpoint_pk = endpoint.pk
    transaction.on_commit(lambda: _tell_owners(endpoint_pk))


def _tell_owners(endpoint_pk: int) -> None:
    endpoint = WebhookEndpoint.objects.select_related("tenant").filter(pk=endpoint_pk).first()
    if endpoint is None:
        return
    managers = Membership.objects.for_tenant(endpoint.tenant).filter(
        role__in=[Membership.Role.OWNER, Membership.Role.ADMIN]
    )
    recipients = [m.user.email for m in managers.select_related("user") if m.user.email]
    if not recipients:
        return
    send_mail(
        subject=f"{settings.EMAIL_SUBJECT_PREFIX}Webhook endpoint disabled",
        message=(
            f"Parley stopped sending events to {endpoint.url} for {endpoint.tenant.name}: "
            f"{endpoint.disabled_reason}\n\nFix the receiver, then enable the endpoint again in "
            f"Settings > Webhooks ({settings.PUBLIC_BASE_URL}/settings/webhooks/{endpoint.pk}/); "
            "you can have the events it missed sent again."
        ),
        from_email=settings.SERVER_EMAIL,
        recipient_list=recipients,
        fail_silently=True,
    )


@transaction.atomic
def endpoints_check_health(*, now: datetime | None = None) -> int:
    """Disables every endpoint that has been failing for ``WEBHOOK_DISABLE_AFTER_SECONDS``."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=float(settings.WEBHOOK_DISABLE_AFTER_SECONDS))
    failing = WebhookEndpoint.objects.select_for_update(skip_locked=True).filter(
        enabled=True, failing_since__lte=cutoff
    )
    count = 0
    for endpoint in failing:
        _disable(endpoint, _failing_too_long(endpoint.failing_since))
        count += 1
    return count


def _failing_too_long(since: datetime | None) -> str:
    days = float(settings.WEBHOOK_DISABLE_AFTER_SECONDS) / 86400
    start = since.strftime("%Y-%m-%d %H:%M UTC") if since else "long ago"
    return f"every delivery has failed since {start} (more than {days:g} days)"


# --- the outbox ----------------------------------------------------------------------------------


def event_time(moment: datetime | None) -> str | None:
    """A time in an event's ``data``: ISO 8601 with its offset, or None."""
    return moment.isoformat() if moment else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _listening(tenant_id: uuid.UUID, event_type: str, *, enabled_only: bool) -> QuerySet[Any]:
    endpoints = WebhookEndpoint.objects.filter(tenant_id=tenant_id)
    if enabled_only:
        endpoints = endpoints.filter(enabled=True)
    # A tenant has a handful of endpoints; matching the type here works on SQLite too.
    pks = [pk for pk, types in endpoints.values_list("pk", "event_types") if event_type in types]
    return WebhookEndpoint.objects.filter(pk__in=pks)


def event_record(
    *, tenant_id: uuid.UUID, type: str, data: dict[str, Any], at: datetime | None = None
) -> Event | None:
    """Writes the event in the caller's transaction; None when no endpoint of the tenant listens
    for that type (nothing to send, now or on a later replay)."""
    if type not in catalogue.EVENTS:
        raise ValueError(f"unknown webhook event type {type!r}")
    listening = remembered(
        ("webhook-listening", tenant_id, type),
        lambda: _listening(tenant_id, type, enabled_only=False).exists(),
    )
    if not listening:
        return None
    moment = at or timezone.now()
    event = Event.objects.create(
        tenant_id=tenant_id,
        type=type,
        payload={"type": type, "timestamp": _iso(moment), "data": data},
    )
    event_pk = event.pk
    transaction.on_commit(lambda: _enqueue_fan_out(event_pk))
    return event


def _enqueue_fan_out(event_pk: int) -> None:
    from .tasks import fan_out

    fan_out.delay(event_pk)


def _enqueue_deliveries_after_commit(delivery_pks: list[int]) -> None:
    def send() -> None:
        from .tasks import deliver

        for pk in delivery_pks:
            deliver.delay(pk)

    if delivery_pks:
        transaction.on_commit(send)


def _enqueue_due_after_commit(endpoint_pk: int) -> None:
    pks = list(
        Delivery.objects.filter(
            endpoint_id=endpoint_pk, status=Delivery.Status.PENDING, next_attempt_at__isnull=False
        ).values_list("pk", flat=True)
    )
    _enqueue_deliveries_after_commit(pks)


@transaction.atomic
def event_fan_out(*, event_id: int) -> list[int]:
    """One delivery per enabled endpoint of the tenant that listens for the event's type."""
    event = (
        Event.objects.select_for_update(skip_locked=True)
        .filter(pk=event_id, fanned_out_at__isnull=True)
        .first()
    )
    if event is None:
        return []
    endpoints = _listening(event.tenant_id, event.type, enabled_only=True)
    deliveries = Delivery.objects.bulk_create(
        [Delivery(tenant_id=event.tenant_id, endpoint=e, event=event) for e in endpoints]
    )
    event.fanned_out_at = timezone.now()
    event.save(update_fields=["fanned_out_at"])
    pks = [d.pk for d in deliveries]
    _enqueue_deliveries_after_commit(pks)
    return pks


def outbox_sweep(*, now: datetime | None = None) -> tuple[int, int]:
    """Re-queues what a lost task left: events not fanned out and deliveries past due.
    Returns (events, deliveries)."""
    now = now or timezone.now()
    grace = timedelta(seconds=float(settings.WEBHOOK_OUTBOX_SWEEP_AFTER_SECONDS))
    events = list(
        Event.objects.filter(fanned_out_at__isnull=True, created_at__lte=now - grace)
        .order_by("created_at")
        .values_list("pk", flat=True)[:100]
    )
    for pk in events:
        _enqueue_fan_out(pk)
    # Due for a while with no task taking them; pushed to now, so a backlog the workers are still
    # working through is queued again once a grace period, not at every sweep.
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now - grace)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:500]
        )
        Delivery.objects.filter(pk__in=due).update(next_attempt_at=now)
    from .tasks import deliver

    for pk in due:
        deliver.delay(pk)
    return len(events), len(due)


def outbox_purge(*, now: datetime | None = None) -> int:
    """Deletes events (with their deliveries and attempts) older than
    ``WEBHOOK_RETENTION_DAYS`` whose deliveries are all settled. Returns the events deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=int(settings.WEBHOOK_RETENTION_DAYS))
    old = Event.objects.filter(created_at__lt=cutoff).exclude(
        deliveries__status=Delivery.Status.PENDING
    )
    pks = list(old.values_list("pk", flat=True)[:5000])
    Event.objects.filter(pk__in=pks).delete()
    return len(pks)


# --- delivery ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    body: bytes
    headers: dict[str, str]


def _secrets_in_use(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    current = [secret_box.decrypt(endpoint.secret_encrypted)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires is not None and expires > now:
        current.append(secret_box.decrypt(endpoint.previous_secret_encrypted))
    return current


def delivery_sign(*, delivery: Delivery, now: datetime | None = None) -> Signed:
    """The Standard Webhooks request: ``webhook-id`` (the same on every attempt),
    ``webhook-timestamp`` and one ``v1,`` signature per secret in use."""
    now = (now or timezone.now()).astimezone(UTC)
    body = json.dumps(delivery.event.payload, separators=(",", ":"), ensure_ascii=False)
    signatures = [
        Webhook(secret).sign(delivery.webhook_id, now, body)
        for secret in _secrets_in_use(delivery.endpoint, now)
    ]
    headers = {
        "content-type": "application/json",
        "user-agent": "Parley-Webhooks/1.0",
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
    return Signed(body.encode(), headers)


def _claim(delivery_id: int) -> Delivery | None:
    now = timezone.now()
    with transaction.atomic():
        # Only the delivery's row: locking the joined endpoint too would make concurrent
        # deliveries to one endpoint skip each other.
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        if not delivery.endpoint.enabled:
            delivery.status = Delivery.Status.FAILED
            delivery.last_error = ENDPOINT_OFF
            delivery.next_attempt_at = None
            delivery.save()
            return None
        timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)
        delivery.next_attempt_at = now + timedelta(seconds=timeout + LEASE_SECONDS)
        if delivery.series_started_at is None:
            delivery.series_started_at = now
        delivery.save(update_fields=["next_attempt_at", "series_started_at"])
        return delivery


def delivery_attempt(*, delivery_id: int) -> str:
    """One attempt of a due delivery: sign, send, log the attempt, decide what follows.

    Raises ``RetryLater`` when the next attempt is soon enough for a task countdown.
    """
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    signed = delivery_sign(delivery=delivery)
    url = delivery.endpoint.url
    refused = ""
    try:
        answer = transport.post(url, body=signed.body, headers=signed.headers)
    except transport.UnsafeDestination as exc:
        refused = exc.message
        answer = transport.Answer(None, 0, "", f"refused: {exc.message}")
    outcome, wait = _settle(delivery, signed, answer, refused)
    if wait is not None and wait <= COUNTDOWN_LIMIT_SECONDS:
        raise RetryLater(wait, outcome)
    return outcome


@transaction.atomic
def _settle(
    claimed: Delivery, signed: Signed, answer: transport.Answer, refused: str
) -> tuple[str, float | None]:
    now = timezone.now()
    delivery = Delivery.objects.select_for_update().get(pk=claimed.pk)
    delivery.attempts += 1
    delivery.series_attempts += 1
    delivery.last_attempt_at = now
    delivery.last_response_status = answer.status
    DeliveryAttempt.objects.create(
        tenant_id=delivery.tenant_id,
        delivery=delivery,
        number=delivery.attempts,
        url=claimed.endpoint.url,
        request_headers={k: v for k, v in signed.headers.items() if k != "webhook-signature"},
        response_status=answer.status,
        latency_ms=answer.latency_ms,
        response_excerpt=answer.excerpt,
        error=answer.error,
    )
    wait: float | None = None
    if answer.ok:
        delivery.status = Delivery.Status.SUCCEEDED
        delivery.succeeded_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
        # One conditional UPDATE, no lock: a busy endpoint's row is written about once a minute.
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).filter(
            Q(failing_since__isnull=False)
            | Q(last_success_at__isnull=True)
            | Q(last_success_at__lt=now - timedelta(seconds=SUCCESS_STAMP_SECONDS))
        ).update(failing_since=None, last_success_at=now, updated_at=now)
        outcome = "succeeded"
    else:
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        words = answer.error or f"answered {answer.status}"
        if answer.status == 410:
            delivery.status = Delivery.Status.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = "answered 410 Gone: the endpoint was disabled"
            _disable(endpoint, "the receiver answered 410 Gone")
            outcome = "gone"
        else:
            error: Exception = (
                transport.UnsafeDestination(refused) if refused else DeliveryFailed(words)
            )
            decision = WEBHOOKS.decide(
                error,
                attempts=delivery.series_attempts,
                since=delivery.series_started_at or now,
                now=now,
            )
            if decision is not None and decision.retry:
                wait = decision.delay
                delivery.next_attempt_at = now + timedelta(seconds=wait)
                delivery.last_error = words[:300]
                outcome = "retrying"
            else:
                delivery.status = Delivery.Status.FAILED
                delivery.next_attempt_at = None
                delivery.last_error = (decision.reason if decision else words)[:300]
                outcome = "failed"
            if endpoint.failing_since is None:
                endpoint.failing_since = now
                endpoint.save(update_fields=["failing_since", "updated_at"])
            limit = timedelta(seconds=float(settings.WEBHOOK_DISABLE_AFTER_SECONDS))
            if now - endpoint.failing_since >= limit:
                _disable(endpoint, _failing_too_long(endpoint.failing_since))
    delivery.save()
    return outcome, wait


def _requeue(deliveries: Any) -> int:
    now = timezone.now()
    return int(
        deliveries.update(
            status=Delivery.Status.PENDING,
            next_attempt_at=now,
            series_attempts=0,
            series_started_at=None,
            last_error="",
        )
    )


@transaction.atomic
def delivery_replay(*, delivery: Delivery) -> Delivery:
    """Sends the delivery again, with the same ``webhook-id``, on a fresh retry schedule."""
    if not delivery.endpoint.enabled:
        raise Conflict("Enable the endpoint before replaying its deliveries.", code="disabled")
    if delivery.status == Delivery.Status.PENDING:
        raise Conflict("This delivery is still being attempted.", code="pending")
    _requeue(Delivery.objects.filter(pk=delivery.pk))
    _enqueue_deliveries_after_commit([delivery.pk])
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def deliveries_replay_failed(*, endpoint: WebhookEndpoint, since: datetime) -> int:
    """Sends again every failed delivery of the endpoint created since ``since``."""
    if not endpoint.enabled:
        raise Conflict("Enable the endpoint before replaying its deliveries.", code="disabled")
    failed = Delivery.objects.filter(
        Q(endpoint=endpoint) & Q(status=Delivery.Status.FAILED) & Q(created_at__gte=since)
    )
    pks = list(failed.values_list("pk", flat=True))
    _requeue(Delivery.objects.filter(pk__in=pks))
    _enqueue_deliveries_after_commit(pks)
    return len(pks)
