"""Every write of notifications: events as they happen, and the emails of members away."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core import phones
from messaging.models import Conversation
from tenants.models import Membership
from voice.models import Call

from . import selectors
from .models import AwayEmail, Event

logger = logging.getLogger("parley.notifications")
EVENT_RETENTION = timedelta(days=7)


def event_record(
    *,
    tenant_id: Any,
    kind: str,
    source_id: int = 0,
    conversation_id: int | None = None,
    number: str = "",
    preview: str = "",
) -> None:
    """One event, once per source (a replayed save records nothing new). Runs inside the
    source's transaction."""
    Event.objects.bulk_create(
        [
            Event(
                tenant_id=tenant_id,
                kind=kind,
                source_id=source_id,
                conversation_id=conversation_id,
                number=number[:64],
                preview=preview[:120],
            )
        ],
        ignore_conflicts=True,
    )


def conversation_of_call(call: Call) -> int | None:
    """The one-to-one conversation on the same number with the caller, if there is one."""
    if call.phone_number_id is None:
        return None
    return (
        Conversation.objects.filter(
            tenant_id=call.tenant_id,
            phone_number_id=call.phone_number_id,
            participants_key=call.other_party,
        )
        .values_list("pk", flat=True)
        .first()
    )


def _seen_key(membership_id: int) -> str:
    return f"parley:notifications:seen:{membership_id}"


def member_seen(*, membership: Membership) -> None:
    """The member has a page open (it polls): no email while they are here. A cache key, so the
    poll writes nothing to the database."""
    cache.set(_seen_key(membership.pk), 1, settings.NOTIFY_AWAY_AFTER_SECONDS)


def member_is_away(*, membership: Membership) -> bool:
    return cache.get(_seen_key(membership.pk)) is None


def _email_body(membership: Membership, events: list[Event]) -> str:
    tenant = membership.tenant
    names = selectors.names_for(tenant=tenant, numbers=[e.number for e in events])
    lines = [f"While you were away, {tenant.name} received:", ""]
    for event in events:
        who = names.get(event.number) or phones.format_number(
            event.number, region=tenant.default_region
        )
        when = timezone.localtime(event.created_at).strftime("%H:%M")
        text = f" — {event.preview}" if event.kind == Event.Kind.TEXT else ""
        lines.append(f"- {when} {event.get_kind_display()} from {who}{text}")
    lines += [
        "",
        f"Open Parley: {settings.PUBLIC_BASE_URL}/inbox/",
        "You get at most one of these emails every "
        f"{settings.NOTIFY_EMAIL_INTERVAL_SECONDS // 60} minutes; switch them off in your profile.",
    ]
    return "\n".join(lines)


@transaction.atomic
def away_email_send(*, membership: Membership, now: datetime) -> bool:
    """One email listing what is new for an away member, at most one per interval. True when
    it went out (after the commit)."""
    state, _ = AwayEmail.objects.select_for_update().get_or_create(membership=membership)
    latest = selectors.latest_event_id(tenant=membership.tenant)
    if not member_is_away(membership=membership):
        # They are here and saw it in the browser: nothing of this for a later email.
        state.last_event_id = latest
        state.save(update_fields=["last_event_id"])
        return False
    interval = timedelta(seconds=settings.NOTIFY_EMAIL_INTERVAL_SECONDS)
    if state.last_sent_at is not None and now - state.last_sent_at < interval:
        return False
    events = list(
        selectors.events_for(
            tenant=membership.tenant,
            membership=membership,
            after=state.last_event_id,
            since=selectors.recent_since(now),
        )[:50]
    )
    if not events:
        return False
    state.last_event_id = events[-1].pk
    state.last_sent_at = now
    state.save(update_fields=["last_event_id", "last_sent_at"])
    with timezone.override(membership.effective_timezone):
        body = _email_body(membership, events)
    subject = f"{len(events)} new in {membership.tenant.name}"
    address = membership.user.email
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address]))
    return True


def _away_candidates(*, since: datetime) -> QuerySet[Membership]:
    """Members who want emails while away, in tenants with something to tell since ``since``.
    Reads across tenants: the periodic email job's starting point."""
    tenants = (
        Event.objects.filter(kind__in=Event.NOTIFIED, created_at__gte=since)
        .values("tenant_id")
        .distinct()
    )
    return (
        Membership.objects.filter(tenant_id__in=tenants, notify_email=True)
        .exclude(user__email="")
        .select_related("user", "tenant")
        .order_by("pk")
    )


def away_emails_send(*, now: datetime | None = None) -> int:
    """The periodic job: an email to every away member with news, each in its own
    transaction; old events are purged."""
    now = now or timezone.now()
    sent = 0
    for membership in _away_candidates(since=selectors.recent_since(now)):
        try:
            sent += away_email_send(membership=membership, now=now)
        except Exception:
            logger.exception("away email to member %s failed; next run tries again", membership.pk)
    Event.objects.filter(created_at__lt=now - EVENT_RETENTION).delete()
    return sent
