"""Click-to-call: the call checked (destinations, limits, Idempotency-Key) and stored, then dialled
by a task."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, NoReturn

from django.db import transaction
from django.utils import timezone

from carrier.clients import client_for_tenant
from core import phones
from core.idempotency import idempotency_claim, idempotency_lookup
from tenants import selectors as tenant_selectors
from tenants import services as tenant_services
from tenants.errors import (
    CallLimitReached,
    OutboundLimitReached,
    ParleyError,
    TooManyConcurrentCalls,
)
from tenants.models import Membership, OutboundChannel, OutboundPolicy, Tenant
from usage.services import usage_limit_check

from .. import routes, selectors
from ..models import Call
from .outbox import report_call_completed, report_call_started

CALL_SCOPE = "voice.call"


@tenant_services.alerts_staff_on_limits
@transaction.atomic
def call_create(
    *,
    tenant: Tenant,
    from_number: str,
    to: str,
    agent: str | None,
    membership: Membership | None,
    idempotency_key: str = "",
) -> tuple[Call, bool]:
    """Click-to-call: ring the agent's phone, then transfer to the customer. (call, created);
    a repeated ``idempotency_key`` answers with the first call and dials nothing."""
    body = {"from": from_number, "to": to, "agent": agent}
    earlier = idempotency_lookup(tenant=tenant, scope=CALL_SCOPE, key=idempotency_key, body=body)
    if earlier is not None:
        return _call_of(tenant, earlier), False
    agent = (agent or (membership.phone if membership is not None else "") or "").strip()
    to = (to or "").strip()
    from_number = (from_number or "").strip()
    region = tenant.default_region
    if from_number:
        from_number = phones.normalize_number(from_number, field="from", region=region)
    number = selectors.voice_number_by_e164(tenant=tenant, number=from_number)
    if number is None:
        raise ParleyError(f"{from_number!r} is not one of your active numbers.", field="from")
    to = phones.normalize_number(to, field="to", region=region)
    if not agent:
        raise ParleyError(
            "Give the phone to ring first: set your phone in your profile or pass agent.",
            field="agent",
        )
    agent = phones.normalize_number(agent, field="agent", region=region)
    tenant_services.outbound_destinations_check(
        tenant=tenant, channel=OutboundChannel.CALLS, targets=[("to", to), ("agent", agent)]
    )
    if to in (agent, from_number):
        raise ParleyError("The customer's number must differ from yours.", field="to")
    if tenant_selectors.is_number_blocked(tenant=tenant, number=to):
        raise ParleyError(f"{to} is on your blocklist.", field="to", code="blocked")
    provisioning = getattr(tenant, "provisioning", None)
    if provisioning is None or not provisioning.voice_application_id:
        raise ParleyError("Calling is not set up for this account yet.", code="not_provisioned")
    usage_limit_check(tenant=tenant, limit="minutes", quantity=1)
    claim = idempotency_claim(tenant=tenant, scope=CALL_SCOPE, key=idempotency_key, body=body)
    if claim.replay_of is not None:
        return _call_of(tenant, claim.replay_of), False
    _check_call_limits(tenant=tenant, to=to)
    call = Call.objects.create(
        tenant=tenant,
        phone_number=number,
        our_number=from_number,
        other_party=to,
        agent_number=agent,
        direction=Call.Direction.OUTBOUND,
        status=Call.Status.QUEUED,
        created_by=membership.user if membership is not None else None,
        handled_by=membership.user if membership is not None else None,
    )
    claim.complete(call.pk)
    call_id = call.pk
    transaction.on_commit(lambda: _enqueue_dial(call_id))
    return call, True


def _call_of(tenant: Tenant, call_id: str) -> Call:
    return selectors.call_get(tenant=tenant, pk=call_id)


LIMIT_WINDOWS = {
    "calls_per_hour": timedelta(hours=1),
    "new_destinations_per_day": timedelta(days=1),
}


def _retry_after(times: list[datetime], limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until enough of ``times`` (ascending, all inside the window) leave it to free a
    slot under ``limit``."""
    if limit == 0 or not times:
        return math.ceil(window.total_seconds())
    freeing = times[len(times) - limit]
    return max(1, math.ceil((freeing + window - now).total_seconds()))


def _wait_words(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _check_call_limits(*, tenant: Tenant, to: str) -> OutboundPolicy:
    """The tenant's call limits, counted under the lock of its policy row (held until the call
    is stored, so two requests cannot both take the last slot)."""
    policy = tenant_services.outbound_policy_lock(tenant=tenant)
    now = timezone.now()

    def refuse(error: type[OutboundLimitReached], limit: str, message: str, **kw: Any) -> NoReturn:
        raise error(message, tenant_id=tenant.pk, tenant_name=tenant.name, limit=limit, **kw)

    live = selectors.outbound_calls_live(tenant=tenant, now=now)
    if live >= policy.max_concurrent_calls:
        refuse(
            TooManyConcurrentCalls,
            "concurrent_calls",
            f"{live} calls are in progress, the most this account may have at once "
            f"({policy.max_concurrent_calls}); place this one when one ends.",
        )
    window = LIMIT_WINDOWS["calls_per_hour"]
    placed = selectors.outbound_call_times(tenant=tenant, since=now - window)
    if len(placed) >= policy.max_calls_per_hour:
        wait = _retry_after(placed, policy.max_calls_per_hour, window, now)
        refuse(
            CallLimitReached,
            "calls_per_hour",
            f"This account placed {len(placed)} calls in the last hour, its limit "
            f"({policy.max_calls_per_hour}); try again in {_wait_words(wait)}.",
            retry_after=wait,
        )
    if not selectors.has_called(tenant=tenant, number=to):
        window = LIMIT_WINDOWS["new_destinations_per_day"]
        firsts = selectors.new_destination_times(tenant=tenant, since=now - window)
        if len(firsts) >= policy.max_new_destinations_per_day:
            wait = _retry_after(firsts, policy.max_new_destinations_per_day, window, now)
            refuse(
                CallLimitReached,
                "new_destinations_per_day",
                f"This account called {len(firsts)} numbers for the first time in the last 24 "
                f"hours, its limit ({policy.max_new_destinations_per_day}); {to} would be "
                f"another. Try again in {_wait_words(wait)}.",
                retry_after=wait,
            )
    return policy


def _enqueue_dial(call_id: int) -> None:
    from ..tasks import call_dial_task

    call_dial_task.delay(call_id)


def call_dial(*, call: Call) -> Call:
    """Ask Bandwidth to ring the agent. Bandwidth's errors propagate: the task's retry policy
    (core.retries) retries a 429 or a clean transient error and ends the call through
    ``call_dial_failed`` otherwise; a timeout after the request went out is never dialled again.

    The attempt is committed before the request, because Bandwidth may call back (answer,
    disconnect) before the request returns.
    """
    with transaction.atomic():
        locked = Call.objects.select_for_update().select_related("tenant").get(pk=call.pk)
        if locked.status != Call.Status.QUEUED or locked.bandwidth_call_id:
            return locked
        locked.dial_attempts += 1
        locked.save(update_fields=["dial_attempts", "updated_at"])
    tenant = locked.tenant
    provisioning = getattr(tenant, "provisioning", None)
    hook = routes.webhook_url(call=locked.pk)
    username, password = selectors.call_callback_credentials(locked.pk)
    created = client_for_tenant(tenant).voice.create_call(
        application_id=provisioning.voice_application_id if provisioning else "",
        from_=locked.our_number,
        to=locked.agent_number,
        answer_url=hook,
        disconnect_url=hook,
        username=username,
        password=password,
        call_timeout=30,
        tag=f"parley-call-{locked.pk}",
    )
    with transaction.atomic():
        # Callbacks may already have moved the call on; only a still-queued call changes here.
        Call.objects.filter(pk=locked.pk, bandwidth_call_id=None).update(
            bandwidth_call_id=created.call_id
        )
        placed = Call.objects.filter(pk=locked.pk, status=Call.Status.QUEUED).update(
            status=Call.Status.INITIATED, started_at=timezone.now()
        )
        if placed:
            report_call_started(Call.objects.get(pk=locked.pk))
    return Call.objects.get(pk=locked.pk)


def call_dial_failed(*, call_id: int, reason: str, ambiguous: bool = False) -> Call | None:
    """The dial gave up (a refusal, the horizon passed, or no answer in time): the call fails
    with the reason; a call Bandwidth may have placed is not dialled again."""
    call = Call.objects.filter(pk=call_id).first()
    if call is None:
        return None
    if ambiguous:
        reason = f"Bandwidth did not answer in time; not dialled again: {reason}"
    return _dial_failed(call, reason)


@transaction.atomic
def _dial_failed(call: Call, message: str) -> Call:
    failed = Call.objects.filter(pk=call.pk, status=Call.Status.QUEUED).update(
        status=Call.Status.FAILED,
        cause="error",
        error_message=message[:300],
        ended_at=timezone.now(),
    )
    ended = Call.objects.get(pk=call.pk)
    if failed:
        report_call_completed(ended)
    return ended
