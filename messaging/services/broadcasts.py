"""Broadcasts: one text to a tag or an imported list, from one number or a pool.

Each recipient becomes one ordinary message (``message_send``) in the recipient's own
conversation, so replies, statuses, opt-outs, the daily cap, dispatch's lease and reconciliation
all work as for any text. A periodic advance hands messages to dispatch a few seconds ahead of
each number's carrier rate (``BROADCAST_LOOKAHEAD_SECONDS``); the shared limiter in dispatch does
the pacing. A recipient gets its message in the same transaction that creates it, under a row
lock, so a crash or a retried advance never texts anyone twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from numbers.models import PhoneNumber
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from compliance import services as compliance_services
from core.destinations import DestinationNotAllowed, destination_check
from core.idempotency import idempotency_claim, idempotency_lookup
from core.locks import try_lock
from core.phones import normalize_number
from tenants import selectors as tenant_selectors
from tenants import services as tenant_services
from tenants.errors import ParleyError, TenantSuspended
from tenants.models import ApiToken, OutboundChannel, Tenant

from ..models import (
    Broadcast,
    BroadcastRecipient,
    Contact,
    ContactImport,
    Conversation,
    MessagingPolicy,
    Tag,
)
from ..segments import segment_info
from .policy import messaging_policy_get
from .sending import MAX_TEXT, message_send

SCOPE = "broadcasts.create"
BATCH = 2000
Skip = BroadcastRecipient.Skip


@dataclass(frozen=True)
class BroadcastResult:
    broadcast: Broadcast
    created: bool


SKIP_COUNTERS: dict[str, str] = {
    Skip.OPTED_OUT: "skipped_opted_out",
    Skip.BLOCKED: "skipped_blocked",
    Skip.NOT_TEXTABLE: "skipped_not_textable",
}

NOT_TEXTABLE_LANDLINE = "A landline, which can't receive texts."
NOT_TEXTABLE_DEACTIVATED = "Deactivated."


def recipients_not_textable(
    *, tenant: Tenant, numbers: list[str], look_up_at_most: int = 0
) -> dict[str, str]:
    """The one place that decides which numbers of a broadcast cannot receive a text, with the
    reason: destinations the tenant's outbound policy refuses (``core.destinations``), then
    landlines and deactivated numbers by their line types: those known (``line_types_cached``),
    and up to ``look_up_at_most`` others asked of Bandwidth now. Callers ask before their
    transaction; the rest are asked just before each recipient's turn (``_look_up_upcoming``).
    A number Bandwidth could not look up is texted."""
    rules = tenant_services.destination_rules(tenant=tenant, channel=OutboundChannel.TEXTS)
    refused: dict[str, str] = {}
    for number in numbers:
        try:
            destination_check(number, rules=rules, field="to")
        except DestinationNotAllowed as exc:
            refused[number] = f"Not allowed: {exc.reason}."
    allowed = [number for number in numbers if number not in refused]
    lookups = compliance_services.line_types_cached(tenant=tenant, numbers=allowed)
    unknown = [number for number in allowed if number not in lookups]
    if unknown and look_up_at_most:
        awaited = compliance_services.line_types_awaited(tenant=tenant, numbers=unknown)
        unknown = [number for number in unknown if number not in awaited]
    unknown = unknown[:look_up_at_most]
    if unknown:
        lookups.update(compliance_services.line_types_known(tenant=tenant, numbers=unknown))
    for number in allowed:
        lookup = lookups.get(number)
        if lookup is not None and not lookup.textable:
            refused[number] = (
                NOT_TEXTABLE_DEACTIVATED if lookup.deactivated else NOT_TEXTABLE_LANDLINE
            )
    return refused


def _pool(tenant: Tenant, from_numbers: list[str]) -> list[PhoneNumber]:
    if not from_numbers:
        raise ParleyError("Choose at least one number to send from.", field="from")
    wanted: list[str] = []
    for raw in from_numbers:
        number = normalize_number(str(raw), field="from", region=tenant.default_region)
        if number not in wanted:
            wanted.append(number)
    active = {
        n.number: n
        for n in PhoneNumber.objects.for_tenant(tenant).filter(
            number__in=wanted, status=PhoneNumber.Status.ACTIVE
        )
    }
    for number in wanted:
        if number not in active:
            raise ParleyError(f"{number} is not an active number of {tenant.name}.", field="from")
    return [active[n] for n in wanted]


def _audience(
    tenant: Tenant, tag: Tag | None, contact_import: ContactImport | None
) -> list[tuple[int, str, bool]]:
    if (tag is None) == (contact_import is None):
        raise ParleyError("Choose a tag or an imported list to text.", field="tag")
    if tag is not None:
        if tag.tenant_id != tenant.pk:
            raise ParleyError("No such tag.", field="tag")
        rows = Contact.objects.for_tenant(tenant).filter(tags=tag)
    else:
        assert contact_import is not None
        if contact_import.tenant_id != tenant.pk:
            raise ParleyError("No such import.", field="contact_import")
        if contact_import.status != ContactImport.Status.DONE:
            raise ParleyError("That import has not finished.", field="contact_import")
        rows = Contact.objects.for_tenant(tenant).filter(imports=contact_import)
    audience = list(rows.order_by("pk").values_list("pk", "number", "opted_out"))
    if not audience:
        raise ParleyError(
            "Nobody to text: the list has no contacts.",
            field="tag" if tag is not None else "contact_import",
            code="empty",
        )
    return audience


def broadcast_rate(*, tenant: Tenant, phone_numbers: list[PhoneNumber]) -> float:
    """Segments per second the pool may send: the numbers' carrier rates together, within the
    tenant's and the account's rates (the limiter's scopes)."""
    policy = MessagingPolicy.objects.for_tenant(tenant).first() or MessagingPolicy(tenant=tenant)
    numbers = sum(policy.rate_for(n.kind) for n in phone_numbers)
    return min(
        numbers,
        policy.tenant_segments_per_second,
        float(settings.MESSAGING_ACCOUNT_SEGMENTS_PER_SECOND),
    )


def _assign(
    tenant: Tenant, pool: list[PhoneNumber], audience: list[tuple[int, str, bool]]
) -> dict[str, PhoneNumber]:
    """Each recipient's sending number: the pool number it already talks with, otherwise the
    number with the least work for its rate (so a 3/s toll-free number gets three times more)."""
    policy = MessagingPolicy.objects.for_tenant(tenant).first() or MessagingPolicy(tenant=tenant)
    rates = {n.pk: max(policy.rate_for(n.kind), 0.001) for n in pool}
    by_pk = {n.pk: n for n in pool}
    numbers = [number for _pk, number, _out in audience]
    known: dict[str, int] = {}
    for start in range(0, len(numbers), BATCH):
        known.update(
            Conversation.objects.for_tenant(tenant)
            .filter(phone_number__in=pool, participants_key__in=numbers[start : start + BATCH])
            .order_by("last_message_at")
            .values_list("participants_key", "phone_number_id")
        )
    loads = dict.fromkeys(rates, 0)
    chosen: dict[str, PhoneNumber] = {}
    for number in numbers:
        pk = known.get(number)
        if pk is None:
            pk = min(loads, key=lambda key: (loads[key] + 1) / rates[key])
        loads[pk] += 1
        chosen[number] = by_pk[pk]
    return chosen


def broadcast_create(
    *,
    tenant: Tenant,
    name: str,
    text: str,
    from_numbers: list[str],
    tag: Tag | None = None,
    contact_import: ContactImport | None = None,
    send_at: datetime | None = None,
    created_by: Any = None,
    created_by_token: ApiToken | None = None,
    idempotency_key: str = "",
    now: datetime | None = None,
) -> BroadcastResult:
    """Checks the broadcast, then stores it with one row per recipient: the opted-out, blocked
    and non-textable are skipped and counted now (and again when their turn comes)."""
    now = now or timezone.now()
    if not tenant.is_active:
        raise TenantSuspended(f"The tenant {tenant.name} is suspended; nothing can be sent.")
    body = {
        "name": name,
        "text": text,
        "from": list(from_numbers),
        "tag": tag.pk if tag else None,
        "contact_import": contact_import.pk if contact_import else None,
        "send_at": send_at.isoformat() if send_at else None,
    }
    earlier = idempotency_lookup(tenant=tenant, scope=SCOPE, key=idempotency_key, body=body)
    if earlier is not None:
        return BroadcastResult(Broadcast.objects.for_tenant(tenant).get(pk=earlier), False)
    name = " ".join((name or "").split())
    if not name:
        raise ParleyError("Give the broadcast a name.", field="name")
    if len(name) > 120:
        raise ParleyError("The name is longer than 120 characters.", field="name")
    text = text or ""
    if not text.strip():
        raise ParleyError("Write the text to send.", field="text")
    if len(text) > MAX_TEXT:
        raise ParleyError(f"The text is {len(text)} characters; at most {MAX_TEXT}.", field="text")
    pool = _pool(tenant, from_numbers)
    if send_at is not None:
        if send_at <= now - timedelta(minutes=1):
            raise ParleyError("The send time is in the past.", field="send_at")
        if send_at <= now:
            send_at = None
    audience = _audience(tenant, tag, contact_import)
    numbers = [number for _pk, number, _out in audience]
    blocked = tenant_selectors.blocked_among(tenant=tenant, numbers=numbers)
    not_textable = recipients_not_textable(
        tenant=tenant, numbers=numbers, look_up_at_most=settings.BROADCAST_LOOKUPS_AT_CREATION
    )
    chosen = _assign(tenant, pool, audience)
    info = segment_info(text, mms=False)
    with transaction.atomic():
        claim = idempotency_claim(tenant=tenant, scope=SCOPE, key=idempotency_key, body=body)
        if claim.replay_of is not None:
            return BroadcastResult(
                Broadcast.objects.for_tenant(tenant).get(pk=claim.replay_of), False
            )
        broadcast = Broadcast.objects.create(
            tenant=tenant,
            name=name,
            text=text,
            tag=tag,
            contact_import=contact_import,
            status=Broadcast.Status.SCHEDULED if send_at else Broadcast.Status.SENDING,
            send_at=send_at,
            started_at=None if send_at else now,
            segment_count=info.segments,
            rate_per_second=broadcast_rate(tenant=tenant, phone_numbers=pool),
            recipient_count=len(audience),
            created_by=created_by if getattr(created_by, "pk", None) else None,
            created_by_token=created_by_token,
        )
        broadcast.phone_numbers.set(pool)
        rows = []
        counts = dict.fromkeys(Skip.values, 0)
        for contact_pk, number, opted_out in audience:
            reason, detail = "", ""
            if opted_out:
                reason, detail = Skip.OPTED_OUT, "Replied STOP."
            elif number in blocked:
                reason, detail = Skip.BLOCKED, "On the blocklist."
            elif number in not_textable:
                reason, detail = Skip.NOT_TEXTABLE, not_textable[number]
            if reason:
                counts[reason] += 1
            rows.append(
                BroadcastRecipient(
                    tenant=tenant,
                    broadcast=broadcast,
                    contact_id=contact_pk,
                    number=number,
                    phone_number=chosen[number],
                    status=BroadcastRecipient.Status.SKIPPED if reason else "pending",
                    skip_reason=reason,
                    skip_detail=detail[:300],
                )
            )
        BroadcastRecipient.objects.bulk_create(rows, batch_size=BATCH)
        for skip, counter in SKIP_COUNTERS.items():
            setattr(broadcast, counter, counts[skip])
        broadcast.save(update_fields=list(SKIP_COUNTERS.values()))
        claim.complete(broadcast.pk)
        _enqueue_advance(broadcast)
    return BroadcastResult(broadcast, True)


def _enqueue_advance(broadcast: Broadcast) -> None:
    from ..tasks import advance_broadcast

    broadcast_id = broadcast.pk
    if broadcast.status == Broadcast.Status.SENDING:
        transaction.on_commit(lambda: advance_broadcast.delay(broadcast_id))
    elif broadcast.status == Broadcast.Status.SCHEDULED and broadcast.send_at is not None:
        delay = (broadcast.send_at - timezone.now()).total_seconds()
        if delay < 600:
            transaction.on_commit(
                lambda: advance_broadcast.apply_async((broadcast_id,), countdown=max(0.0, delay))
            )


def _hand_over(
    broadcast: Broadcast,
    recipient: BroadcastRecipient,
    *,
    slot: datetime,
    lead: timedelta,
    blocked: set[str],
    not_textable: dict[str, str],
) -> bool:
    """One recipient's message for its slot, queued ``lead`` before it, created with the
    recipient's row update (caller's transaction). True when a message was made."""
    fields = ["status", "message", "skip_reason", "skip_detail", "slot_at"]
    due = slot - lead
    send_at = due if due > timezone.now() else None
    recipient.status = BroadcastRecipient.Status.SKIPPED
    if recipient.number in blocked:
        recipient.skip_reason, recipient.skip_detail = Skip.BLOCKED, "On the blocklist."
    elif recipient.number in not_textable:
        recipient.skip_reason = Skip.NOT_TEXTABLE
        recipient.skip_detail = not_textable[recipient.number][:300]
    else:
        try:
            with transaction.atomic():
                result = message_send(
                    tenant=broadcast.tenant,
                    from_number=recipient.phone_number.number,
                    to=[recipient.number],
                    text=broadcast.text,
                    send_at=send_at,
                    tag=f"broadcast:{broadcast.pk}:{recipient.pk}",
                    sent_by=broadcast.created_by,
                    sent_by_token=broadcast.created_by_token,
                    # recipients_not_textable has just decided, with the same lookups.
                    allow_not_textable=True,
                )
        except ParleyError as exc:
            recipient.skip_reason = Skip.OPTED_OUT if exc.code == "opted_out" else Skip.REFUSED
            recipient.skip_detail = exc.message[:300]
        else:
            recipient.status, recipient.message = BroadcastRecipient.Status.QUEUED, result.message
            recipient.slot_at = slot
    recipient.save(update_fields=fields)
    return recipient.message_id is not None


def _count_skips(broadcast: Broadcast, recipients: list[BroadcastRecipient]) -> None:
    """Adds the recipients skipped at their turn to the broadcast's counters (caller's
    transaction), so they count as the skips found at creation do."""
    added: dict[str, int] = {}
    for recipient in recipients:
        counter = SKIP_COUNTERS.get(recipient.skip_reason)
        if recipient.status == BroadcastRecipient.Status.SKIPPED and counter:
            added[counter] = added.get(counter, 0) + 1
    if added:
        Broadcast.objects.filter(pk=broadcast.pk).update(
            **{counter: F(counter) + count for counter, count in added.items()}
        )


def broadcast_advance(*, broadcast_id: int) -> float | None:
    """Hands the next messages to dispatch; the seconds until the next advance, or None when
    nothing is left to hand over (done, paused, canceled, or another advance is running)."""
    with try_lock(f"broadcast-advance-{broadcast_id}", 120) as held:
        if not held:
            return None
        return _advance(broadcast_id)


def _look_up_upcoming(tenant: Tenant, recipients: Any, wanted: int) -> bool:
    """The line types of the next ``wanted`` pending recipients, asked of Bandwidth when not
    known (and kept) before the batch's transaction, so none is made inside it. False while an
    import's bulk lookup is still to bring some of them: the turn waits for it rather than
    texting them unchecked or buying their lookups twice."""
    numbers = list(
        recipients.filter(status="pending").order_by("pk").values_list("number", flat=True)[:wanted]
    )
    if not numbers:
        return True
    if compliance_services.line_types_awaited(tenant=tenant, numbers=numbers):
        return False
    compliance_services.line_types_known(tenant=tenant, numbers=numbers)
    return True


def _advance(broadcast_id: int) -> float | None:
    """For each number of the pool: the messages whose slots (one every ``segments / rate`` s,
    plus the limiter's margin) fall within the lookahead, each scheduled ``BROADCAST_LEAD_SECONDS``
    before its slot. Their dispatch tasks wait in the worker's timer rather than in a pool thread,
    and each is already waiting on the shared limiter (which decides when it goes) when the
    previous one's slot ends, so a task that starts a little late costs no throughput."""
    now = timezone.now()
    Broadcast.objects.filter(
        pk=broadcast_id, status=Broadcast.Status.SCHEDULED, send_at__lte=now
    ).update(status=Broadcast.Status.SENDING, started_at=now)
    broadcast = Broadcast.objects.select_related("tenant", "created_by", "created_by_token").get(
        pk=broadcast_id
    )
    if broadcast.status != Broadcast.Status.SENDING:
        return None
    Broadcast.objects.filter(pk=broadcast_id).update(advanced_at=now)
    tenant = broadcast.tenant
    policy = messaging_policy_get(tenant=tenant)
    horizon = now + timedelta(seconds=float(settings.BROADCAST_LOOKAHEAD_SECONDS))
    margin = float(settings.MESSAGING_LIMITER_MARGIN_SECONDS)
    lead = timedelta(seconds=float(settings.BROADCAST_LEAD_SECONDS))
    recipients = BroadcastRecipient.objects.for_tenant(tenant).filter(broadcast=broadcast)
    for phone_number in broadcast.phone_numbers.all():
        rate = max(policy.rate_for(phone_number.kind), 0.001)
        interval = timedelta(seconds=broadcast.segment_count / rate + margin)
        last = (
            recipients.filter(phone_number=phone_number, status="queued")
            .aggregate(last=Max("slot_at"))
            .get("last")
        )
        slot = max(now, last + interval) if last else now
        if slot > horizon:
            continue
        wanted = math.floor((horizon - slot) / interval) + 1
        if not _look_up_upcoming(tenant, recipients.filter(phone_number=phone_number), wanted):
            continue
        with transaction.atomic():
            batch = list(
                recipients.select_for_update(skip_locked=True, of=("self",))
                .select_related("phone_number")
                .filter(phone_number=phone_number, status="pending")
                .order_by("pk")[:wanted]
            )
            numbers = [r.number for r in batch]
            blocked = tenant_selectors.blocked_among(tenant=tenant, numbers=numbers)
            not_textable = recipients_not_textable(tenant=tenant, numbers=numbers)
            for recipient in batch:
                made = _hand_over(
                    broadcast,
                    recipient,
                    slot=slot,
                    lead=lead,
                    blocked=blocked,
                    not_textable=not_textable,
                )
                if made:
                    slot += interval
            _count_skips(broadcast, batch)
    if recipients.filter(status="pending").exists():
        return float(settings.BROADCAST_ADVANCE_SECONDS)
    Broadcast.objects.filter(pk=broadcast_id, status=Broadcast.Status.SENDING).update(
        status=Broadcast.Status.DONE, finished_at=timezone.now()
    )
    return None


def broadcasts_due() -> list[int]:
    """Broadcasts whose advance should run: scheduled ones whose time has come, and sending ones
    whose chain of advances stopped (a lost task, a worker that died)."""
    now = timezone.now()
    stalled = now - timedelta(seconds=float(settings.BROADCAST_STALLED_SECONDS))
    return list(
        Broadcast.objects.filter(
            Q(status=Broadcast.Status.SCHEDULED, send_at__lte=now)
            | Q(status=Broadcast.Status.SENDING)
            & (Q(advanced_at__isnull=True) | Q(advanced_at__lt=stalled))
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )


def _locked(broadcast: Broadcast) -> Broadcast:
    return Broadcast.objects.select_for_update().get(pk=broadcast.pk)


@transaction.atomic
def broadcast_pause(*, broadcast: Broadcast) -> Broadcast:
    """Stops handing messages over; the few already handed to dispatch still go out."""
    locked = _locked(broadcast)
    if locked.status not in (Broadcast.Status.SENDING, Broadcast.Status.SCHEDULED):
        raise ParleyError("Only a sending or scheduled broadcast can be paused.", code="not_active")
    locked.status = Broadcast.Status.PAUSED
    locked.save(update_fields=["status"])
    return locked


@transaction.atomic
def broadcast_resume(*, broadcast: Broadcast) -> Broadcast:
    locked = _locked(broadcast)
    if locked.status != Broadcast.Status.PAUSED:
        raise ParleyError("Only a paused broadcast can be resumed.", code="not_paused")
    if locked.started_at is None and locked.send_at and locked.send_at > timezone.now():
        locked.status = Broadcast.Status.SCHEDULED
    else:
        locked.status = Broadcast.Status.SENDING
        locked.started_at = locked.started_at or timezone.now()
    locked.save(update_fields=["status", "started_at"])
    _enqueue_advance(locked)
    return locked


@transaction.atomic
def broadcast_cancel(*, broadcast: Broadcast) -> Broadcast:
    """Nobody still waiting gets the text; messages already handed to dispatch still go out."""
    locked = _locked(broadcast)
    if locked.status in (Broadcast.Status.DONE, Broadcast.Status.CANCELED):
        raise ParleyError("The broadcast has already finished.", code="finished")
    now = timezone.now()
    locked.status = Broadcast.Status.CANCELED
    locked.canceled_at = locked.finished_at = now
    locked.save(update_fields=["status", "canceled_at", "finished_at"])
    BroadcastRecipient.objects.for_tenant(locked.tenant).filter(
        broadcast=locked, status="pending"
    ).update(status=BroadcastRecipient.Status.CANCELED)
    return locked
