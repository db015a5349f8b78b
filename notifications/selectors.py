"""Reads for the notifications poll, the dashboard and the names shown for phone numbers.
Every read takes ``tenant=``."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from numbers.models import PhoneNumber
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from messaging.models import Contact, Conversation, Message
from tenants.models import Membership, Tenant
from voice.models import Call

from .models import Event


def latest_event_id(*, tenant: Tenant) -> int:
    """The poll's one query: an index-only look at the newest event of the tenant."""
    latest = Event.objects.for_tenant(tenant).order_by("-id").values_list("id", flat=True).first()
    return latest or 0


def unread_total(*, tenant: Tenant) -> int:
    total = (
        Conversation.objects.for_tenant(tenant)
        .filter(unread_count__gt=0)
        .aggregate(total=Sum("unread_count"))["total"]
    )
    return int(total or 0)


def _mine_or_unassigned(membership: Membership) -> Q:
    return (
        Q(conversation__isnull=True)
        | Q(conversation__assignee__isnull=True)
        | Q(conversation__assignee=membership)
    )


def events_for(
    *, tenant: Tenant, membership: Membership, after: int, since: datetime | None = None
) -> QuerySet[Event]:
    """New texts, missed calls and voicemail after ``after`` in conversations assigned to
    ``membership`` or to no one, oldest first."""
    rows = (
        Event.objects.for_tenant(tenant)
        .filter(id__gt=after, kind__in=Event.NOTIFIED)
        .filter(_mine_or_unassigned(membership))
    )
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    return rows.order_by("id")


def names_for(*, tenant: Tenant, numbers: Iterable[str]) -> dict[str, str]:
    """The name people gave each number: the tenant's own numbers' friendly names, else the
    contact's name. Numbers without one are left out."""
    wanted = {n for n in numbers if n}
    if not wanted:
        return {}
    names = dict(
        Contact.objects.for_tenant(tenant)
        .filter(number__in=wanted)
        .exclude(name="")
        .values_list("number", "name")
    )
    names.update(
        PhoneNumber.objects.for_tenant(tenant)
        .filter(number__in=wanted)
        .exclude(friendly_name="")
        .values_list("number", "friendly_name")
    )
    return names


@dataclass(frozen=True)
class Dashboard:
    texts_in: int
    texts_out: int
    calls: int
    missed_calls: int
    unread: int
    first_response_seconds: float | None
    responses_counted: int
    numbers_not_ready: list[PhoneNumber]


FIRST_RESPONSE_SAMPLE = 5000


def _first_response_seconds(rows: Iterable[dict[str, Any]]) -> list[float]:
    """For each inbound text that opened a wait, the time until the next reply in its
    conversation."""
    waiting: dict[int, datetime] = {}
    delays: list[float] = []
    for row in rows:
        conversation = row["conversation_id"]
        if row["direction"] == Message.Direction.IN:
            waiting.setdefault(conversation, row["created_at"])
        elif conversation in waiting and not row["auto_reply"]:
            delays.append((row["created_at"] - waiting.pop(conversation)).total_seconds())
    return delays


def dashboard(*, tenant: Tenant, day_start: datetime) -> Dashboard:
    """Today (from ``day_start``, midnight in the viewer's time zone) at a glance."""
    texts = Message.objects.for_tenant(tenant).filter(created_at__gte=day_start)
    counts = texts.aggregate(
        inbound=Count("id", filter=Q(direction=Message.Direction.IN)),
        outbound=Count("id", filter=Q(direction=Message.Direction.OUT)),
    )
    calls = Call.objects.for_tenant(tenant).filter(created_at__gte=day_start)
    call_counts = calls.aggregate(
        total=Count("id"),
        missed=Count(
            "id",
            filter=Q(direction=Call.Direction.INBOUND, status=Call.Status.NO_ANSWER),
        ),
    )
    sample = texts.order_by("created_at", "id").values(
        "conversation_id", "direction", "created_at", "auto_reply"
    )[:FIRST_RESPONSE_SAMPLE]
    delays = _first_response_seconds(sample)
    not_ready = list(
        PhoneNumber.objects.for_tenant(tenant)
        .exclude(status__in=[PhoneNumber.Status.ACTIVE, PhoneNumber.Status.RELEASED])
        .order_by("number")
    )
    return Dashboard(
        texts_in=counts["inbound"],
        texts_out=counts["outbound"],
        calls=call_counts["total"],
        missed_calls=call_counts["missed"],
        unread=unread_total(tenant=tenant),
        first_response_seconds=statistics.median(delays) if delays else None,
        responses_counted=len(delays),
        numbers_not_ready=not_ready,
    )


def recent_since(now: datetime, hours: int = 1) -> datetime:
    return now - timedelta(hours=hours)
