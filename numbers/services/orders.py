"""Buying numbers: the order recorded, placed by a task after commit, and settled by Bandwidth's
notification or the reconciler."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bandwidth.client import BandwidthClient
from bandwidth.client.numbers_xml import DisconnectResult, OrderResult
from bandwidth.errors import BandwidthError, ErrorDetail, RateLimitedError, TransientError
from carrier.clients import client_for_tenant
from carrier.models import BandwidthAccount, Provisioning
from core import phones
from core.idempotency import idempotency_claim, idempotency_lookup
from integrations.services import event_record, event_time
from tenants.errors import Conflict, ParleyError
from tenants.models import Tenant

from .. import routing
from ..models import NumberOrder, PhoneNumber
from ..signals import number_status_changed
from .search import MAX_SEARCH_RESULTS, Offer, _bandwidth_refusal, _offer_key, _require_ready

logger = logging.getLogger(__name__)


RECONCILE_AFTER = timedelta(minutes=1)
ORDER_LOST_AFTER = timedelta(minutes=5)


CUSTOMER_ORDER_PREFIX = "parley-"
ORDER_SCOPE = "numbers.order"


def _new_customer_order_id() -> str:
    return f"{CUSTOMER_ORDER_PREFIX}{uuid.uuid4().hex}"


def _validate_numbers(tenant: Tenant, numbers: list[str]) -> list[Offer]:
    if not isinstance(numbers, list) or not numbers:
        raise ParleyError("Choose at least one number.", field="numbers")
    if len(numbers) > MAX_SEARCH_RESULTS:
        raise ParleyError(f"Buy at most {MAX_SEARCH_RESULTS} numbers at once.", field="numbers")
    if len(set(numbers)) != len(numbers):
        raise ParleyError("A number is listed twice.", field="numbers")
    offers = []
    for number in numbers:
        if not phones.is_e164(number) or phones.country_code_of(number) != 1:
            raise ParleyError(
                f"{number!r} is not a US or Canadian number in E.164 (like +19195551234).",
                field="numbers",
            )
        offered = cache.get(_offer_key(tenant, number))
        if offered is None:
            raise ParleyError(
                f"{number} was not offered by a recent search; search again and pick from the "
                "results.",
                field="numbers",
                code="not_offered",
            )
        offers.append(Offer(**offered))
    return offers


@dataclass(frozen=True)
class NumberPurchase:
    """What ``number_order`` answers: the order and its numbers; ``created`` is False when an
    Idempotency-Key repeated an earlier purchase."""

    order: NumberOrder
    numbers: list[PhoneNumber]
    created: bool


def _purchase_of(tenant: Tenant, order_id: str) -> NumberPurchase:
    order = NumberOrder.objects.for_tenant(tenant).get(pk=order_id)
    rows = list(order.ordered_numbers.all())
    rows.sort(key=lambda row: order.numbers.index(row.number) if row.number in order.numbers else 0)
    return NumberPurchase(order, rows, created=False)


def _forget_offers(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except Exception:  # the numbers are held by their rows now; the offers only expire later
        logger.warning("could not forget bought offers %s", keys, exc_info=True)


def _enqueue_placement(order_id: int) -> None:
    def send() -> None:
        from ..tasks import place_number_order

        try:
            place_number_order.delay(order_id)
        except Exception:  # the broker is down: the beat reconciler queues it again
            logger.exception("could not queue placing number order %s", order_id)

    transaction.on_commit(send)


@transaction.atomic
def number_order(
    *, tenant: Tenant, numbers: list[str], idempotency_key: str = ""
) -> NumberPurchase:
    """Records an order for offered numbers, which are ``ordering`` until it completes.

    Bandwidth is not called here: after commit a task places the order (``number_order_place``),
    so the tenant's row is locked only while the limit is checked and the rows are written.
    A repeated ``idempotency_key`` answers with the first purchase and orders nothing.
    """
    body = {"numbers": numbers}
    earlier = idempotency_lookup(tenant=tenant, scope=ORDER_SCOPE, key=idempotency_key, body=body)
    if earlier is not None:
        return _purchase_of(tenant, earlier)
    offers = _validate_numbers(tenant, numbers)
    provisioning = _require_ready(tenant)
    claim = idempotency_claim(tenant=tenant, scope=ORDER_SCOPE, key=idempotency_key, body=body)
    if claim.replay_of is not None:
        return _purchase_of(tenant, claim.replay_of)
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    held = PhoneNumber.objects.for_tenant(locked).filter(status__in=PhoneNumber.HELD_STATUSES)
    if held.count() + len(offers) > locked.number_limit:
        raise Conflict(
            f"{locked.name} may hold {locked.number_limit} numbers and holds {held.count()}; "
            "release one or ask Parley support to raise the limit.",
            field="numbers",
            code="number_limit",
        )
    taken = list(
        PhoneNumber.objects.filter(
            number__in=numbers, status__in=PhoneNumber.HELD_STATUSES
        ).values_list("number", flat=True)
    )
    if taken:
        raise Conflict(f"{', '.join(taken)} is no longer available.", field="numbers")
    order = NumberOrder.objects.create(
        tenant=tenant,
        kind=NumberOrder.Kind.ORDER,
        customer_order_id=_new_customer_order_id(),
        numbers=numbers,
    )
    created = []
    try:
        with transaction.atomic():
            for offer in offers:
                created.append(
                    PhoneNumber.objects.create(
                        tenant=tenant,
                        number=offer.number,
                        kind=offer.kind,
                        capabilities=["sms", "mms", "voice"],
                        status=PhoneNumber.Status.ORDERING,
                        city=offer.city[:80],
                        state=offer.state[:2],
                        rate_center=offer.rate_center[:40],
                        site_id=provisioning.site_id,
                        peer_id=provisioning.peer_id,
                        order=order,
                    )
                )
    except IntegrityError:
        raise Conflict(
            "Another order took one of these numbers a moment ago; search again.",
            field="numbers",
        ) from None
    claim.complete(order.pk)
    offer_keys = [_offer_key(tenant, offer.number) for offer in offers]
    transaction.on_commit(lambda: _forget_offers(offer_keys))
    _enqueue_placement(order.pk)
    return NumberPurchase(order, created, created=True)


def number_order_place(*, order_id: int) -> NumberOrder | None:
    """Places a recorded order at Bandwidth, once, holding no lock while Bandwidth answers.

    Only an order never sent can be claimed (``placement_started_at`` stamped by one UPDATE), so
    a repeated task or the reconciler never sends it twice. An error that proves the request did
    not reach Bandwidth un-stamps it and is raised for a retry; an ambiguous timeout keeps the
    stamp, and the reconciler finds the order by our CustomerOrderId; a refusal fails the order
    and its numbers with Bandwidth's reason.
    """
    claimed = NumberOrder.objects.filter(
        pk=order_id,
        kind=NumberOrder.Kind.ORDER,
        status__in=NumberOrder.OPEN_STATUSES,
        bandwidth_order_id__isnull=True,
        placement_started_at__isnull=True,
    ).update(placement_started_at=timezone.now())
    order = NumberOrder.objects.select_related("tenant").filter(pk=order_id).first()
    if not claimed or order is None:
        return order
    tenant = order.tenant
    provisioning = Provisioning.objects.filter(tenant=tenant).first()
    try:
        result = client_for_tenant(tenant).numbers.create_order(
            customer_order_id=order.customer_order_id,
            site_id=provisioning.site_id if provisioning else "",
            peer_id=provisioning.peer_id if provisioning else "",
            numbers=list(order.numbers),
            partial_allowed=True,
            name=f"Parley {tenant.slug}"[:50],
        )
    except (TransientError, RateLimitedError) as error:
        if isinstance(error, TransientError) and error.ambiguous:
            logger.warning(
                "order %s for %s is ambiguous: %s", order.customer_order_id, tenant.id, error
            )
            return order
        NumberOrder.objects.filter(pk=order_id).update(placement_started_at=None)
        raise
    except BandwidthError as error:
        logger.warning("order %s for %s refused: %s", order.customer_order_id, tenant.id, error)
        refusal = _bandwidth_refusal(error, "numbers")
        with transaction.atomic():
            locked = NumberOrder.objects.select_for_update().get(pk=order_id)
            _apply(locked, NumberOrder.Status.FAILED, [], list(error.errors), refusal.message)
        return locked
    with transaction.atomic():
        # A notification may have named the order already (adopted by our CustomerOrderId).
        locked = NumberOrder.objects.select_for_update().get(pk=order_id)
        if locked.bandwidth_order_id is None:
            locked.bandwidth_order_id = result.order_id
            locked.save(update_fields=["bandwidth_order_id", "updated_at"])
        status = result.status or NumberOrder.Status.RECEIVED
        if status != locked.status:
            _apply(locked, status, list(result.completed_numbers), list(result.errors), "")
    return locked


def _reason_for(number: str, errors: list[ErrorDetail], message: str) -> str:
    for error in errors:
        if error.telephone_number == number:
            return f"{error.description} (error {error.code})"
    if errors:
        return "; ".join(f"{e.description} (error {e.code})" for e in errors)[:300]
    return message or "Bandwidth did not complete this number."


def number_event_report(phone_number: PhoneNumber) -> None:
    """number.activated / number.released to the tenant's webhook endpoints (the outbox)."""
    stamp: datetime | None
    if phone_number.status == PhoneNumber.Status.ACTIVE:
        kind, stamp = "number.activated", phone_number.activated_at
    elif phone_number.status == PhoneNumber.Status.RELEASED:
        kind, stamp = "number.released", phone_number.released_at
    else:
        return
    event_record(
        tenant_id=phone_number.tenant_id,
        type=kind,
        data={
            "number_id": phone_number.pk,
            "number": phone_number.number,
            kind.replace("number.", "") + "_at": event_time(stamp),
        },
    )


def _apply(
    order: NumberOrder,
    status: str,
    completed: list[str],
    errors: list[ErrorDetail],
    message: str,
) -> bool:
    """Moves an open order and its numbers to ``status``; a closed order stays as it is."""
    if not order.is_open or status not in NumberOrder.Status.values:
        return False
    order.status = status
    order.last_checked_at = timezone.now()
    if order.kind == NumberOrder.Kind.DISCONNECT and status == "COMPLETE" and not completed:
        completed = list(order.numbers)
    if status in NumberOrder.OPEN_STATUSES:
        order.save(update_fields=["status", "last_checked_at", "updated_at"])
        return True
    order.completed_numbers = completed
    order.failed_numbers = [n for n in order.numbers if n not in completed]
    order.errors = [
        {
            "code": e.code,
            "description": e.description,
            "number": e.telephone_number,
        }
        for e in errors
    ]
    if not order.errors and message and order.failed_numbers:
        order.errors = [{"code": None, "description": message, "number": None}]
    order.completed_at = timezone.now()
    order.save()
    is_order = order.kind == NumberOrder.Kind.ORDER
    rows = order.ordered_numbers if is_order else order.released_numbers
    for phone_number in rows.select_for_update():
        old_status = phone_number.status
        if phone_number.number in completed:
            target = PhoneNumber.Status.ACTIVE if is_order else PhoneNumber.Status.RELEASED
            phone_number.mark(target)
        elif is_order:
            reason = _reason_for(phone_number.number, errors, message)
            phone_number.mark(PhoneNumber.Status.FAILED, reason[:300])
        else:
            reason = "Release failed: " + _reason_for(phone_number.number, errors, message)
            phone_number.mark(PhoneNumber.Status.ACTIVE, reason[:300])
        phone_number.save()
        routing.forget([(phone_number.pk, phone_number.number)])
        if phone_number.status != old_status:
            number_event_report(phone_number)
            number_status_changed.send(
                sender=PhoneNumber,
                phone_number=phone_number,
                old_status=old_status,
                new_status=phone_number.status,
            )
    return True


@transaction.atomic
def number_order_apply_notification(
    *,
    order: NumberOrder,
    status: str,
    completed: list[str],
    errors: list[Any],
    message: str,
) -> bool:
    """Applies an order or disconnect notification; repeats and late arrivals change nothing."""
    locked = NumberOrder.objects.select_for_update().get(pk=order.pk)
    return _apply(locked, status, completed, errors, message)


@transaction.atomic
def number_order_reconcile(*, order_id: int) -> NumberOrder | None:
    """Asks Bandwidth for the order's state and applies it (the notification may be lost)."""
    locked = NumberOrder.objects.select_for_update().filter(pk=order_id).first()
    if locked is None:
        return None
    if not locked.is_open:
        return locked
    never_sent = locked.kind == NumberOrder.Kind.ORDER and locked.placement_started_at is None
    if not locked.bandwidth_order_id and never_sent:
        # Its task was lost (the broker was down): place it now rather than give it up.
        _enqueue_placement(locked.pk)
        locked.last_checked_at = timezone.now()
        locked.save(update_fields=["last_checked_at", "updated_at"])
        return locked
    client = client_for_tenant(locked.tenant)
    if not locked.bandwidth_order_id:
        is_order = locked.kind == NumberOrder.Kind.ORDER
        if not is_order or not _found_on_bandwidth(client, locked):
            return locked
    result: OrderResult | DisconnectResult
    if locked.kind == NumberOrder.Kind.ORDER:
        result = client.numbers.get_order(locked.bandwidth_order_id)
        completed = list(result.completed_numbers)
    else:
        result = client.numbers.get_disconnect(locked.bandwidth_order_id)
        completed = list(result.disconnected_numbers)
    if not _apply(locked, result.status or "", completed, list(result.errors), ""):
        locked.last_checked_at = timezone.now()
        locked.save(update_fields=["last_checked_at", "updated_at"])
    return locked


@transaction.atomic
def number_order_adopt_bandwidth_id(
    *, account: BandwidthAccount, customer_order_id: str, bandwidth_order_id: str
) -> NumberOrder | None:
    """Records Bandwidth's id on our order that does not know it yet (placing was ambiguous),
    only when the order belongs to a tenant of the account that sent the notification."""
    owned_by_account = (
        Q(tenant__provisioning__bandwidth_account=account)
        if account.kind == BandwidthAccount.Kind.TENANT
        else Q(tenant__provisioning__bandwidth_account__isnull=True)
    )
    order = (
        NumberOrder.objects.select_for_update(of=("self",))
        .filter(owned_by_account, customer_order_id=customer_order_id)
        .filter(bandwidth_order_id__isnull=True)
        .first()
    )
    if order is not None:
        order.bandwidth_order_id = bandwidth_order_id
        order.save(update_fields=["bandwidth_order_id", "updated_at"])
    return order


def _found_on_bandwidth(client: BandwidthClient, order: NumberOrder) -> bool:
    """Learns Bandwidth's id of an order whose placing was ambiguous, or gives it up as lost."""
    found = client.numbers.find_order_id(order.customer_order_id)
    if found:
        order.bandwidth_order_id = found
        order.save(update_fields=["bandwidth_order_id", "updated_at"])
        return True
    if timezone.now() - (order.placement_started_at or order.created_at) > ORDER_LOST_AFTER:
        lost = "Bandwidth never received this order; nothing was bought. Search and buy again."
        _apply(order, NumberOrder.Status.FAILED, [], [], lost)
    else:
        order.last_checked_at = timezone.now()
        order.save(update_fields=["last_checked_at", "updated_at"])
    return False


def number_order_id_for(*, bandwidth_order_id: str) -> int | None:
    return (
        NumberOrder.objects.filter(bandwidth_order_id=bandwidth_order_id)
        .values_list("pk", flat=True)
        .first()
    )


def orders_to_reconcile(*, now: datetime | None = None) -> list[int]:
    """Open orders older than a minute, not checked in the last half minute."""
    now = now or timezone.now()
    return list(
        NumberOrder.objects.filter(
            status__in=NumberOrder.OPEN_STATUSES,
            created_at__lte=now - RECONCILE_AFTER,
        )
        .exclude(last_checked_at__gt=now - timedelta(seconds=30))
        .order_by("created_at")
        .values_list("pk", flat=True)[:200]
    )
