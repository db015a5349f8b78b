"""Each number's messaging_status, line-type lookups and the send check."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from numbers.models import PhoneNumber

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from bandwidth.client.compliance import (
    BULK_LOOKUP_MAX_NUMBERS,
    LOOKUP_MAX_NUMBERS,
    LineType,
)
from bandwidth.errors import BandwidthError
from carrier.clients import client_for_tenant
from core import phones
from tenants.models import Tenant
from usage.models import Metric
from usage.services import usage_record

from ..models import (
    AssignedNumber,
    Brand,
    BusinessProfile,
    Campaign,
    CampaignAssignment,
    LineTypeLookup,
    TollFreeVerification,
)
from .common import (
    CARRIER_REFUSALS,
    LOOKUP_FRESH_FOR,
    TRUST_URL,
    NumberNotReady,
    RecipientNotTextable,
    _profile_of,
    profile_missing,
)
from .events import number_messaging_status_changed

logger = logging.getLogger("parley.compliance")

FRESH_BATCH = 5000

# --- each number's messaging_status ---


@dataclass(frozen=True)
class _Context:
    profile: BusinessProfile
    brand: Brand | None
    campaigns: list[Campaign]
    assigned: dict[str, int]
    in_flight: set[str]
    failed: dict[str, str]
    verifications: list[TollFreeVerification]


def _context(tenant: Tenant) -> _Context:
    assigned = dict(AssignedNumber.objects.for_tenant(tenant).values_list("number", "campaign_id"))
    in_flight: set[str] = set()
    failed: dict[str, str] = {}
    for assignment in CampaignAssignment.objects.for_tenant(tenant).order_by("created_at"):
        if assignment.status == CampaignAssignment.Status.RECEIVED:
            in_flight.update(assignment.numbers)
        for error in assignment.errors:
            if error.get("number"):
                failed[error["number"]] = str(error.get("description") or "")
    return _Context(
        profile=_profile_of(tenant),
        brand=Brand.objects.for_tenant(tenant).first(),
        campaigns=list(Campaign.objects.for_tenant(tenant)),
        assigned=assigned,
        in_flight=in_flight,
        failed=failed,
        verifications=list(TollFreeVerification.objects.for_tenant(tenant).order_by("created_at")),
    )


def _toll_free_state(number: str, ctx: _Context) -> tuple[str, str, str]:
    mine = [v for v in ctx.verifications if number in v.numbers]
    if not mine:
        return (
            PhoneNumber.MessagingStatus.BLOCKED,
            "Toll-free numbers must be verified before they may text (error 4795 otherwise).",
            f"Submit a toll-free verification for it in Trust ({TRUST_URL}).",
        )
    latest = mine[-1]
    if latest.status == TollFreeVerification.Status.VERIFIED:
        return PhoneNumber.MessagingStatus.READY, "", ""
    if latest.status == TollFreeVerification.Status.PENDING:
        return (
            PhoneNumber.MessagingStatus.PENDING,
            "Waiting for toll-free verification (usually a few business days).",
            "",
        )
    deadline = latest.resubmit_deadline
    action = (
        f"Correct and resubmit it by {deadline:%Y-%m-%d} in Trust ({TRUST_URL})."
        if latest.can_resubmit and deadline
        else f"Submit a new verification in Trust ({TRUST_URL})."
    )
    return (
        PhoneNumber.MessagingStatus.BLOCKED,
        f"Toll-free verification denied ({latest.denial_code}): {latest.denial_reason}"[:300],
        action,
    )


def _local_state(number: str, ctx: _Context) -> tuple[str, str, str]:
    approved = {c.pk for c in ctx.campaigns if c.status == Campaign.Status.APPROVED}
    if ctx.assigned.get(number) in approved:
        return PhoneNumber.MessagingStatus.READY, "", ""
    blocked = PhoneNumber.MessagingStatus.BLOCKED
    pending = PhoneNumber.MessagingStatus.PENDING
    if ctx.brand is None:
        if profile_missing(ctx.profile):
            return (
                blocked,
                "Not registered for 10DLC: the business profile is incomplete.",
                f"Fill in the business profile, then submit the brand in Trust ({TRUST_URL}).",
            )
        return blocked, "Not registered for 10DLC.", f"Submit the brand in Trust ({TRUST_URL})."
    if ctx.brand.status == Brand.Status.PENDING:
        return pending, "Waiting for the campaign registry to verify the brand.", ""
    if ctx.brand.status == Brand.Status.UNVERIFIED:
        return (
            blocked,
            "The brand was not verified by the campaign registry.",
            f"Correct the business profile and request a new review in Trust ({TRUST_URL}).",
        )
    if approved:
        if number in ctx.in_flight:
            return pending, "Being assigned to the approved campaign (tnoptions order).", ""
        if number in ctx.failed:
            return (
                blocked,
                f"Assigning it to the campaign failed: {ctx.failed[number]}"[:300],
                "Staff retry the assignment from the admin.",
            )
        return pending, "Waiting to be assigned to the approved campaign.", ""
    if any(c.status == Campaign.Status.PENDING for c in ctx.campaigns):
        return pending, "Waiting for the carriers to approve the campaign.", ""
    if ctx.campaigns:
        latest = ctx.campaigns[0]
        return (
            blocked,
            f"The campaign is {latest.get_status_display().lower()} by a carrier.",
            f"Correct the campaign and ask for a new review in Trust ({TRUST_URL}).",
        )
    return blocked, "No campaign registered yet.", f"Create a campaign in Trust ({TRUST_URL})."


def _refresh_statuses(tenant: Tenant, numbers: Iterable[PhoneNumber] | None = None) -> int:
    """Recomputes ``messaging_status`` of the tenant's active numbers; returns how many changed."""
    ctx = _context(tenant)
    rows = (
        numbers
        if numbers is not None
        else PhoneNumber.objects.for_tenant(tenant).filter(status=PhoneNumber.Status.ACTIVE)
    )
    changed = 0
    for row in rows:
        if row.kind == PhoneNumber.Kind.TOLL_FREE:
            state = _toll_free_state(row.number, ctx)
        else:
            state = _local_state(row.number, ctx)
        if state != (
            row.messaging_status,
            row.messaging_status_reason,
            row.messaging_status_action,
        ):
            PhoneNumber.objects.filter(pk=row.pk).update(
                messaging_status=state[0],
                messaging_status_reason=state[1],
                messaging_status_action=state[2],
            )
            row.messaging_status, row.messaging_status_reason, row.messaging_status_action = state
            number_messaging_status_changed(row)
            changed += 1
    return changed


@transaction.atomic
def messaging_status_refresh(*, tenant: Tenant) -> int:
    return _refresh_statuses(tenant)


@transaction.atomic
def number_refused_by_carrier(*, tenant: Tenant, number: str, error_code: int) -> None:
    """Bandwidth's 4773/4774/4795 on a send: the number is not ready, whatever Parley thought."""
    reason = CARRIER_REFUSALS.get(error_code)
    if reason is None:
        return
    action = f"Check its registration in Trust ({TRUST_URL})."
    for row in (
        PhoneNumber.objects.for_tenant(tenant)
        .select_for_update()
        .filter(number=number)
        .exclude(
            messaging_status=PhoneNumber.MessagingStatus.BLOCKED, messaging_status_reason=reason
        )
    ):
        row.messaging_status = PhoneNumber.MessagingStatus.BLOCKED
        row.messaging_status_reason = reason
        row.messaging_status_action = action
        row.save(
            update_fields=["messaging_status", "messaging_status_reason", "messaging_status_action"]
        )
        number_messaging_status_changed(row)


# --- the send check ---


def _fresh_lookups(tenant: Tenant, numbers: list[str], now: datetime) -> dict[str, LineTypeLookup]:
    fresh: dict[str, LineTypeLookup] = {}
    rows = LineTypeLookup.objects.for_tenant(tenant).filter(
        looked_up_at__gte=now - LOOKUP_FRESH_FOR
    )
    for start in range(0, len(numbers), FRESH_BATCH):
        chunk = numbers[start : start + FRESH_BATCH]
        fresh.update({row.number: row for row in rows.filter(number__in=chunk)})
    return fresh


def _lookup_row(tenant: Tenant, result: LineType, now: datetime) -> LineTypeLookup:
    return LineTypeLookup(
        tenant=tenant,
        number=result.phone_number,
        line_type=result.line_type if result.line_type in LineTypeLookup.LineType.values else "",
        deactivated=result.deactivated,
        carrier=result.messaging_provider or result.voice_provider,
        looked_up_at=now,
    )


def _store_lookups(tenant: Tenant, rows: Iterable[LineTypeLookup]) -> None:
    """Each row on its own: a concurrent writer of the same number wins or loses harmlessly.
    Each is a lookup Bandwidth answered (and bills), so it counts in the tenant's usage."""
    answered = [row for row in rows if row.number]
    usage_record(tenant=tenant, metric=Metric.LOOKUPS, quantity=len(answered))
    for row in answered:
        values = {
            "line_type": row.line_type,
            "deactivated": row.deactivated,
            "carrier": row.carrier,
            "looked_up_at": row.looked_up_at,
        }
        try:
            with transaction.atomic():
                LineTypeLookup.objects.update_or_create(
                    tenant=tenant, number=row.number, defaults=values
                )
        except IntegrityError:
            LineTypeLookup.objects.for_tenant(tenant).filter(number=row.number).update(**values)


def line_types_lookup(*, tenant: Tenant, numbers: list[str]) -> dict[str, LineTypeLookup]:
    """The line type of each number: cached for 30 days, else asked of Bandwidth (100 at a
    time). A lookup Bandwidth cannot answer now is left out (the send is not held up by it)."""
    now = timezone.now()
    found = _fresh_lookups(tenant, numbers, now)
    missing = [n for n in dict.fromkeys(numbers) if n not in found]
    if missing:
        client = client_for_tenant(tenant)
        for start in range(0, len(missing), LOOKUP_MAX_NUMBERS):
            try:
                results = client.compliance.lookup(missing[start : start + LOOKUP_MAX_NUMBERS])
            except BandwidthError:
                logger.warning("line-type lookup failed for %d number(s)", len(missing))
                break
            rows = [_lookup_row(tenant, r, now) for r in results if r.phone_number]
            found.update({row.number: row for row in rows})
            # Written after the caller's transaction: a concurrent send to the same number
            # must not wait on this one's uncommitted row.
            transaction.on_commit(partial(_store_lookups, tenant, rows))
    return found


def line_types_cached(*, tenant: Tenant, numbers: list[str]) -> dict[str, LineTypeLookup]:
    """What is known without asking Bandwidth: the lookups of the last 30 days."""
    return _fresh_lookups(tenant, numbers, timezone.now())


def line_types_known(*, tenant: Tenant, numbers: list[str]) -> dict[str, LineTypeLookup]:
    """The line types a check goes by: ``line_types_lookup`` (the cache, then Bandwidth), or
    only the cache when lookups are off (``LINE_TYPE_LOOKUP_ON_SEND``)."""
    if settings.LINE_TYPE_LOOKUP_ON_SEND:
        return line_types_lookup(tenant=tenant, numbers=numbers)
    return line_types_cached(tenant=tenant, numbers=numbers)


BULK_PENDING_PREFIX = "line-types-bulk:"


def _pending_key(tenant_id: object, number: str) -> str:
    return f"{BULK_PENDING_PREFIX}{tenant_id}:{number}"


def _request_key(request_id: str) -> str:
    return f"{BULK_PENDING_PREFIX}request:{request_id}"


def _collect_later(tenant_id: str, request_id: str, numbers: list[str]) -> None:
    """Once the import has committed: note its numbers as awaited (so a broadcast waits for the
    bulk answer rather than buying the same lookups again, for at most
    LINE_TYPE_BULK_WAIT_SECONDS) and start the task that collects the answer."""
    from ..tasks import collect_bulk_lookup

    wait = float(settings.LINE_TYPE_BULK_WAIT_SECONDS)
    cache.set_many({_pending_key(tenant_id, n): request_id for n in numbers}, timeout=wait)
    cache.set(_request_key(request_id), numbers, timeout=wait)
    collect_bulk_lookup.apply_async((tenant_id, request_id), countdown=1)


def line_types_awaited(*, tenant: Tenant, numbers: list[str]) -> set[str]:
    """The numbers of ``numbers`` whose line types a bulk lookup will bring shortly."""
    keys = {_pending_key(tenant.pk, n): n for n in dict.fromkeys(numbers)}
    return {keys[key] for key in cache.get_many(list(keys))} if keys else set()


def line_types_bulk_start(*, tenant: Tenant, numbers: list[str]) -> list[str]:
    """For imports: asynchronous bulk lookups of the numbers not cached, as few as Bandwidth
    allows (15,000 numbers each), each collected by a task after commit; returns their request
    ids. A request Bandwidth does not accept is logged and the rest left: sends then look those
    numbers up one by one."""
    now = timezone.now()
    fresh = _fresh_lookups(tenant, numbers, now)
    missing = [n for n in dict.fromkeys(numbers) if n not in fresh]
    if not missing:
        return []
    client = client_for_tenant(tenant)
    started: list[str] = []
    for start in range(0, len(missing), BULK_LOOKUP_MAX_NUMBERS):
        try:
            request_id = client.compliance.lookup_bulk_create(
                missing[start : start + BULK_LOOKUP_MAX_NUMBERS]
            )
        except BandwidthError as exc:
            logger.warning(
                "bulk line-type lookup of %d number(s) of tenant %s not accepted: %s",
                len(missing) - start,
                tenant.pk,
                exc,
            )
            break
        started.append(request_id)
        chunk = missing[start : start + BULK_LOOKUP_MAX_NUMBERS]
        transaction.on_commit(partial(_collect_later, str(tenant.pk), request_id, chunk))
    return started


def line_types_bulk_collect(*, tenant: Tenant, request_id: str) -> bool:
    results = client_for_tenant(tenant).compliance.lookup_bulk_get(request_id)
    if results is None:
        return False
    now = timezone.now()
    _store_lookups(tenant, [_lookup_row(tenant, r, now) for r in results if r.phone_number])
    numbers = cache.get(_request_key(request_id)) or [r.phone_number for r in results]
    cache.delete_many([_pending_key(tenant.pk, n) for n in numbers] + [_request_key(request_id)])
    return True


def send_check(
    *,
    tenant: Tenant,
    phone_number: PhoneNumber,
    recipients: list[str],
    allow_not_textable: bool = False,
) -> None:
    """Refuses (409) a send from a number carriers would refuse, or to numbers that cannot take
    texts (a landline, a deactivated number) unless the user overrides. Calls are not checked."""
    if phone_number.messaging_status != PhoneNumber.MessagingStatus.READY:
        best_effort = (
            phone_number.kind == PhoneNumber.Kind.LOCAL
            and _profile_of(tenant).allow_unregistered_10dlc
        )
        if not best_effort:
            reason = phone_number.messaging_status_reason or "Its registration is not complete."
            action = phone_number.messaging_status_action
            raise NumberNotReady(
                f"{phone_number.formatted} cannot text yet. {reason} {action}".strip(),
                field="from",
            )
    if allow_not_textable:
        return
    lookups = line_types_known(tenant=tenant, numbers=recipients)
    for number in recipients:
        lookup = lookups.get(number)
        if lookup is not None and not lookup.textable:
            what = "deactivated" if lookup.deactivated else "a landline"
            raise RecipientNotTextable(
                f"{phones.format_number(number)} is {what} and cannot receive texts. Call it "
                "instead, or send anyway if you know better.",
                field="to",
            )
