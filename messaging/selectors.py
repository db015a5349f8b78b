"""Reads of messaging rows. Every read takes ``tenant=``; another tenant's id is a 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from tenants.models import Membership, Tenant

from .models import (
    AfterHoursReply,
    CannedReply,
    Contact,
    Conversation,
    Media,
    Message,
    Note,
    OptOut,
)


def conversation_list(
    *,
    tenant: Tenant,
    view: str = "",
    membership: Membership | None = None,
    query: str = "",
) -> QuerySet[Conversation]:
    rows = Conversation.objects.for_tenant(tenant).select_related("phone_number", "assignee__user")
    if view == "open":
        rows = rows.filter(status=Conversation.Status.OPEN)
    elif view == "closed":
        rows = rows.filter(status=Conversation.Status.CLOSED)
    elif view == "mine":
        rows = rows.filter(assignee=membership) if membership else rows.none()
    elif view == "unassigned":
        rows = rows.filter(assignee__isnull=True)
    query = query.strip()
    if query:
        digits = "".join(ch for ch in query if ch.isdigit())
        match = Q(contacts__name__icontains=query) | Q(
            pk__in=Message.objects.for_tenant(tenant)
            .filter(text__icontains=query)
            .values("conversation_id")
        )
        if digits:
            match |= Q(participants_key__contains=digits)
        rows = rows.filter(match).distinct()
    return rows.order_by("-last_message_at", "-id")


def conversation_get(*, tenant: Tenant, pk: Any) -> Conversation:
    return get_object_or_404(conversation_list(tenant=tenant), pk=pk)


def conversation_contacts(*, tenant: Tenant, conversation: Conversation) -> list[Contact]:
    return list(Contact.objects.for_tenant(tenant).filter(number__in=conversation.participants))


def thread_messages(
    *,
    tenant: Tenant,
    conversation: Conversation,
    latest: int | None = None,
    before: int | None = None,
) -> list[Message]:
    """The conversation's messages, oldest first: only the ``latest`` ones when given, and only
    those older than message ``before`` when given (the thread's earlier pages).

    The newest-first scan runs on the (conversation, -created_at, -id) index and stops after
    ``latest`` rows however long the conversation is; senders and media come by prefetch so the
    planner is not tempted into a join and a sort.
    """
    rows = (
        Message.objects.for_tenant(tenant)
        .filter(conversation=conversation)
        .prefetch_related("sent_by", Prefetch("media", to_attr="media_list"))
        .order_by("-created_at", "-id")
    )
    if before is not None:
        pivot = rows.filter(pk=before).values_list("created_at", flat=True).first()
        if pivot is not None:
            rows = rows.filter(Q(created_at__lt=pivot) | Q(created_at=pivot, pk__lt=before))
    return list(reversed(rows[:latest] if latest else rows))


def _has_participant(number: str) -> Q:
    """The conversation's participants include exactly ``number`` (the key joins them with ",")."""
    key = "conversation__participants_key"
    return (
        Q(**{key: number})
        | Q(**{f"{key}__startswith": f"{number},"})
        | Q(**{f"{key}__endswith": f",{number}"})
        | Q(**{f"{key}__contains": f",{number},"})
    )


def message_list(
    *,
    tenant: Tenant,
    conversation: Any = None,
    number: str = "",
    direction: str = "",
    status: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Message]:
    rows = Message.objects.for_tenant(tenant).prefetch_related("media")
    if conversation:
        rows = rows.filter(conversation_id=conversation)
    if number:
        rows = rows.filter(Q(from_number=number) | _has_participant(number))
    if direction:
        rows = rows.filter(direction=direction)
    if status:
        rows = rows.filter(status=status)
    if since:
        rows = rows.filter(created_at__gte=since)
    if until:
        rows = rows.filter(created_at__lte=until)
    return rows


def message_get(*, tenant: Tenant, pk: Any) -> Message:
    return get_object_or_404(message_list(tenant=tenant), pk=pk)


def media_get(*, tenant: Tenant, pk: Any) -> Media:
    return get_object_or_404(Media.objects.for_tenant(tenant), pk=pk)


def contact_list(*, tenant: Tenant, query: str = "") -> QuerySet[Contact]:
    rows = Contact.objects.for_tenant(tenant)
    query = query.strip()
    if query:
        rows = rows.filter(Q(number__icontains=query) | Q(name__icontains=query))
    return rows.order_by("number")


def contact_get(*, tenant: Tenant, pk: Any) -> Contact:
    return get_object_or_404(contact_list(tenant=tenant), pk=pk)


def contact_find(*, tenant: Tenant, number: str) -> Contact | None:
    return Contact.objects.for_tenant(tenant).filter(number=number).first()


def opt_out_list(*, tenant: Tenant) -> QuerySet[OptOut]:
    return OptOut.objects.for_tenant(tenant).select_related("contact")


def contact_history(*, tenant: Tenant, contact: Contact) -> QuerySet[OptOut]:
    return opt_out_list(tenant=tenant).filter(contact=contact)


def members(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.for_tenant(tenant).select_related("user")


def conversations_for_contact(*, tenant: Tenant, contact: Contact) -> QuerySet[Conversation]:
    return (
        Conversation.objects.for_tenant(tenant)
        .filter(contacts=contact)
        .select_related("phone_number")
        .order_by("-last_message_at", "-id")
    )


def note_list(*, tenant: Tenant, conversation: Conversation) -> QuerySet[Note]:
    return (
        Note.objects.for_tenant(tenant).filter(conversation=conversation).select_related("author")
    )


def canned_reply_list(*, tenant: Tenant) -> QuerySet[CannedReply]:
    return CannedReply.objects.for_tenant(tenant)


def canned_reply_get(*, tenant: Tenant, pk: Any) -> CannedReply:
    return get_object_or_404(canned_reply_list(tenant=tenant), pk=pk)


def after_hours_reply_of(*, tenant: Tenant) -> AfterHoursReply:
    """The tenant's after-hours text; the defaults (unsaved, off) until it is set."""
    return AfterHoursReply.objects.for_tenant(tenant).first() or AfterHoursReply(tenant=tenant)
