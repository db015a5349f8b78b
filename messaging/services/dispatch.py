"""Dispatch: a stored message posted to Bandwidth under the shared limiter and the retry policy,
and the reconciliation of sends whose outcome was ambiguous."""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from numbers.models import PhoneNumber
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from carrier import selectors as carrier_selectors
from carrier.clients import client_for_tenant
from carrier.models import Provisioning
from core.destinations import DestinationNotAllowed
from core.retries import SENDS, RetryLater, Verdict
from tenants import services as tenant_services
from tenants.models import OutboundChannel

from ..limiter import Scope, acquire, shared_limiter
from ..models import (
    Contact,
    Message,
    MessagingPolicy,
)
from .events import status_events_apply_unmatched
from .metering import message_usage_record
from .outbox import report_status
from .policy import messaging_policy_get

logger = logging.getLogger("parley.messaging")


def _release(message_id: int) -> None:
    Message.objects.filter(pk=message_id).update(dispatch_claimed_at=None, in_flight=False)


def _fail(message: Message, description: str, code: int | None = None) -> str:
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if Message.RANK[locked.status] < Message.RANK["failed"]:
            now = timezone.now()
            locked.status = Message.Status.FAILED
            locked.failed_at = now
            locked.error_code = code
            locked.error_description = description[:300]
            locked.dispatch_claimed_at = None
            locked.in_flight = False
            for recipient in locked.to:
                locked.recipient_status[recipient] = {"status": "failed", "error_code": code}
            locked.save()
            report_status(locked, "failed")
    logger.info("message %s failed: %s", message.pk, description)
    return "failed"


def _scopes(message: Message, phone_number: PhoneNumber, policy: MessagingPolicy) -> list[Scope]:
    account = carrier_selectors.bandwidth_account_for(tenant=message.tenant)
    account_id = account.account_id if account else settings.BANDWIDTH_ACCOUNT_ID
    return [
        Scope(f"number:{phone_number.number}", policy.rate_for(phone_number.kind)),
        Scope(f"tenant:{message.tenant_id}", policy.tenant_segments_per_second),
        Scope(
            f"account:{account_id}",
            float(settings.MESSAGING_ACCOUNT_SEGMENTS_PER_SECOND),
        ),
    ]


def _media_for_send(message: Message, client: Any) -> list[str]:
    urls = []
    account_id = client.credentials.account_id
    base = settings.BANDWIDTH_MESSAGING_BASE_URL.rstrip("/")
    for item in message.media.all():
        if item.source_url:
            urls.append(item.source_url)
            continue
        name = item.file.name.rsplit("/", 1)[-1]
        media_id = f"parley-{message.pk}-{item.pk}-{name}"
        with item.file.open("rb") as handle:
            client.messaging.upload_media(media_id, handle.read(), item.content_type)
        urls.append(f"{base}/users/{account_id}/media/{media_id}")
    return urls


def message_dispatch(*, message_id: int) -> str:
    """Sends one queued message to Bandwidth, once: "sent", "failed", "skipped" or "reconcile".

    The message is claimed with a lease (a second task or the reconciler cannot send it too),
    waits for the shared limiter, and is posted. Errors go through ``core.retries.SENDS``, with
    the attempts and the first attempt's time kept on the row: a 429, 5xx or connection failure
    before the request went out releases the message and raises ``RetryLater``; a 4xx, or the
    horizon passed, fails it with the reason; a timeout after the request went out marks it for
    reconciliation instead of sending it twice.
    """
    now = timezone.now()
    lease = timedelta(seconds=float(settings.MESSAGING_DISPATCH_LEASE_SECONDS))
    claimable = (
        Message.objects.filter(
            pk=message_id,
            direction=Message.Direction.OUT,
            status=Message.Status.QUEUED,
            needs_reconciliation=False,
        )
        .filter(Q(scheduled_for__isnull=True) | Q(scheduled_for__lte=now))
        .filter(Q(dispatch_claimed_at__isnull=True) | Q(dispatch_claimed_at__lt=now - lease))
    )
    if not claimable.update(dispatch_claimed_at=now):
        return "skipped"
    if Message.objects.filter(pk=message_id, in_flight=True).update(needs_reconciliation=True):
        # The worker that held the expired lease died while its request was out: Bandwidth may
        # have the message, so it is reconciled rather than sent again.
        logger.warning(
            "message %s: earlier send attempt lost, marked for reconciliation", message_id
        )
        return "reconcile"
    message = Message.objects.select_related(
        "tenant__provisioning__bandwidth_account", "conversation__phone_number"
    ).get(pk=message_id)
    tenant = message.tenant
    phone_number = message.conversation.phone_number
    if not tenant.is_active:
        return _fail(message, f"The tenant {tenant.name} is suspended.")
    if phone_number.status != PhoneNumber.Status.ACTIVE or phone_number.tenant_id != tenant.pk:
        return _fail(message, f"{phone_number.number} is no longer an active number.")
    if not message.auto_reply:
        blocked = (
            Contact.objects.for_tenant(tenant).filter(number__in=message.to, opted_out=True).first()
        )
        if blocked is not None:
            return _fail(message, f"{blocked.label} has opted out (replied STOP).")
    try:
        tenant_services.outbound_destinations_check(
            tenant=tenant,
            channel=OutboundChannel.TEXTS,
            targets=[("to", number) for number in message.to],
        )
    except DestinationNotAllowed as refused:
        return _fail(message, refused.message)
    provisioning = Provisioning.objects.filter(tenant=tenant).first()
    if provisioning is None or not provisioning.messaging_application_id:
        return _fail(message, "The tenant has no messaging application yet.")
    policy = messaging_policy_get(tenant=tenant)
    admission = acquire(
        shared_limiter(),
        _scopes(message, phone_number, policy),
        message.segment_count,
        max_wait=float(settings.MESSAGING_LIMITER_MAX_WAIT_SECONDS),
    )
    if not admission.admitted:
        _release(message_id)
        raise RetryLater(admission.wait + random.uniform(0, 0.2), "waiting for the rate limiter")
    attempt_at = timezone.now()
    Message.objects.filter(pk=message_id).update(
        dispatch_attempts=F("dispatch_attempts") + 1,
        in_flight=True,
        first_attempt_at=Coalesce(F("first_attempt_at"), Value(attempt_at)),
    )
    attempts = message.dispatch_attempts + 1
    first_attempt_at = message.first_attempt_at or attempt_at
    client = client_for_tenant(tenant)
    try:
        media = _media_for_send(message, client)
        sent = client.messaging.send_message(
            application_id=provisioning.messaging_application_id,
            from_=message.from_number,
            to=list(message.to),
            text=message.text or None,
            media=media or None,
            tag=message.tag or None,
        )
    except Exception as exc:
        decision = SENDS.decide(exc, attempts=attempts, since=first_attempt_at)
        if decision is None:
            raise
        if decision.verdict is Verdict.RECONCILE:
            Message.objects.filter(pk=message_id).update(
                needs_reconciliation=True,
                error_description="No answer from Bandwidth; checking whether it was sent.",
            )
            logger.warning("message %s: ambiguous send, marked for reconciliation", message_id)
            return "reconcile"
        if decision.verdict is Verdict.FAIL:
            return _fail(message, decision.reason)
        _release(message_id)
        logger.info("message %s: %s; again in %.1f s", message_id, decision.reason, decision.delay)
        raise RetryLater(decision.delay, decision.reason) from exc
    _mark_accepted(message_id, sent.id)
    return "sent"


def _mark_accepted(message_id: int, bandwidth_id: str) -> None:
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        first_acceptance = not message.bandwidth_id
        message.bandwidth_id = bandwidth_id
        message.needs_reconciliation = False
        message.in_flight = False
        message.error_description = ""
        accepted = Message.RANK[message.status] < Message.RANK["sending"]
        if accepted:
            message.status = Message.Status.SENDING
            message.sending_at = message.sending_at or timezone.now()
        message.save()
        if accepted:
            report_status(message, "sent")
        if first_acceptance:
            message_usage_record(message=message)
    status_events_apply_unmatched(message_id=bandwidth_id)


def reconcile_delay() -> float:
    return float(settings.MESSAGING_RECONCILE_DELAY_SECONDS)


def message_reconcile(*, message_id: int) -> str:
    """Settles a message whose send timed out: adopt Bandwidth's id when Bandwidth has it, else
    release it to be sent (once the grace period has passed). "found", "waiting", "requeued" or
    "nothing to do"; Bandwidth's errors propagate (the task's retry policy decides).

    Bandwidth lists the number's messages to that recipient since the first attempt; only the
    ids of that page are compared with the ids Parley already holds, so the work is bounded by
    the page, not by how much the number ever sent.
    """
    message = Message.objects.select_related("tenant").get(pk=message_id)
    if not message.needs_reconciliation or message.bandwidth_id:
        return "nothing to do"
    claimed_at = message.dispatch_claimed_at or message.created_at
    client = client_for_tenant(message.tenant)
    sent_after = message.first_attempt_at or message.scheduled_for or message.created_at
    start = max(sent_after, timezone.now() - timedelta(days=13)) - timedelta(minutes=1)
    end = timezone.now() + timedelta(minutes=1)
    page = client.messaging.list_messages(
        source_tn=message.from_number,
        destination_tn=message.to[0],
        message_direction="OUTBOUND",
        from_date_time=start.isoformat().replace("+00:00", "Z"),
        to_date_time=end.isoformat().replace("+00:00", "Z"),
        limit=100,
    )
    listed = [record.message_id for record in page.messages if record.message_id]
    known = set(
        Message.objects.for_tenant(message.tenant)
        .filter(direction=Message.Direction.OUT, bandwidth_id__in=listed)
        .values_list("bandwidth_id", flat=True)
    )
    for bandwidth_id in listed:
        if bandwidth_id not in known:
            _mark_accepted(message_id, bandwidth_id)
            logger.info("message %s reconciled as %s", message_id, bandwidth_id)
            return "found"
    grace = timedelta(seconds=float(settings.MESSAGING_RECONCILE_GRACE_SECONDS))
    if timezone.now() - claimed_at < grace:
        return "waiting"
    Message.objects.filter(pk=message_id, needs_reconciliation=True).update(
        needs_reconciliation=False, in_flight=False, dispatch_claimed_at=None, error_description=""
    )
    _enqueue_after_commit(message_id)
    return "requeued"


def _enqueue_after_commit(message_id: int) -> None:
    from ..tasks import dispatch_message

    transaction.on_commit(lambda: dispatch_message.delay(message_id))


def messages_due() -> list[int]:
    """Queued outbound messages that should be on their way: scheduled ones whose time has come
    and ones stuck in queued (lost task, broker down) past MESSAGING_STUCK_AFTER_SECONDS."""
    now = timezone.now()
    stuck = now - timedelta(seconds=float(settings.MESSAGING_STUCK_AFTER_SECONDS))
    lease = now - timedelta(seconds=float(settings.MESSAGING_DISPATCH_LEASE_SECONDS))
    rows = (
        Message.objects.filter(
            direction=Message.Direction.OUT,
            status=Message.Status.QUEUED,
            needs_reconciliation=False,
        )
        .filter(Q(dispatch_claimed_at__isnull=True) | Q(dispatch_claimed_at__lt=lease))
        .filter(
            Q(scheduled_for__isnull=True, created_at__lt=stuck)
            | Q(scheduled_for__isnull=False, scheduled_for__lte=now)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    return list(rows)


def messages_needing_reconciliation() -> list[int]:
    return list(
        Message.objects.filter(needs_reconciliation=True, bandwidth_id="")
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
