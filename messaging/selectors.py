"""Reads of messaging rows. Every read takes ``tenant=``; another tenant's id is a 404."""

from __future__ import annotations

from datetime import datetime
from numbers.models import PhoneNumber
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from tenants.models import Membership, Tenant

from .models import (
    AfterHoursReply,
    Broadcast,
    BroadcastRecipient,
    CannedReply,
    Contact,
    ContactImport,
    Conversation,
    Media,
    Message,
    Note,
    OptOut,
    Tag,
)


def conversation_list(
    *,
    tenant: Tenant,
    view: str = "",
    membership: Membership | None = None,
    query: str = "",
    tag: Tag | None = None,
) -> QuerySet[Conversation]:
    rows = Conversation.objects.for_tenant(tenant).select_related("phone_number", "assignee__user")
    if tag is not None:
        rows = rows.filter(tags=tag)
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


def contact_list(*, tenant: Tenant, query: str = "", tag: Tag | None = None) -> QuerySet[Contact]:
    rows = Contact.objects.for_tenant(tenant)
    if tag is not None:
        rows = rows.filter(tags=tag)
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
    """The tenant's default after-hours text; the defaults (unsaved, off) until it is set."""
    default = AfterHoursReply.objects.for_tenant(tenant).filter(phone_number__isnull=True).first()
    return default or AfterHoursReply(tenant=tenant)


def after_hours_override_list(*, tenant: Tenant) -> QuerySet[AfterHoursReply]:
    """The numbers' own after-hours texts, which replace the default on their number."""
    return (
        AfterHoursReply.objects.for_tenant(tenant)
        .filter(phone_number__isnull=False)
        .select_related("phone_number")
        .order_by("phone_number__number", "id")
    )


def after_hours_override_get(*, tenant: Tenant, pk: Any) -> AfterHoursReply:
    return get_object_or_404(after_hours_override_list(tenant=tenant), pk=pk)


def after_hours_number_choices(*, tenant: Tenant) -> QuerySet[PhoneNumber]:
    """The tenant's numbers that may get their own after-hours text: held ones without one."""
    taken = AfterHoursReply.objects.for_tenant(tenant).filter(phone_number__isnull=False)
    return (
        PhoneNumber.objects.for_tenant(tenant)
        .filter(status__in=PhoneNumber.ROUTABLE_STATUSES)
        .exclude(pk__in=taken.values("phone_number_id"))
        .order_by("number")
    )


def tag_list(*, tenant: Tenant) -> QuerySet[Tag]:
    return Tag.objects.for_tenant(tenant).order_by("name")


def tag_get(*, tenant: Tenant, pk: Any) -> Tag:
    return get_object_or_404(tag_list(tenant=tenant), pk=pk)


def tag_find(*, tenant: Tenant, value: str) -> Tag | None:
    """A filter's tag, by id or name (any case); None for an empty value. A value naming no tag
    of this tenant is a 404, never another tenant's tag."""
    value = (value or "").strip()
    if not value:
        return None
    rows = tag_list(tenant=tenant)
    tag = rows.filter(pk=int(value)).first() if value.isdigit() else None
    tag = tag or rows.filter(name__iexact=value).first()
    if tag is None:
        raise Http404("No such tag.")
    return tag


def tag_names(*, tenant: Tenant, rows: list[Any]) -> dict[int, list[str]]:
    """The tag names of contacts or conversations, by their id, in one query."""
    if not rows:
        return {}
    model = type(rows[0])
    through = model.tags.through
    key = f"{model._meta.model_name}_id"
    names: dict[int, list[str]] = {}
    for owner, name in (
        through.objects.filter(**{f"{key}__in": [r.pk for r in rows]}, tag__tenant=tenant)
        .order_by("tag__name")
        .values_list(key, "tag__name")
    ):
        names.setdefault(owner, []).append(name)
    return names


def contact_import_list(*, tenant: Tenant) -> QuerySet[ContactImport]:
    return ContactImport.objects.for_tenant(tenant).defer("content").order_by("-created_at", "-id")


def contact_import_get(*, tenant: Tenant, pk: Any) -> ContactImport:
    return get_object_or_404(ContactImport.objects.for_tenant(tenant), pk=pk)


def imported_lists(*, tenant: Tenant) -> QuerySet[ContactImport]:
    """Finished imports, which a broadcast can text."""
    return contact_import_list(tenant=tenant).filter(status=ContactImport.Status.DONE)


def broadcast_list(*, tenant: Tenant) -> QuerySet[Broadcast]:
    return (
        Broadcast.objects.for_tenant(tenant)
        .select_related("tag", "contact_import")
        .prefetch_related("phone_numbers")
        .order_by("-created_at", "-id")
    )


def broadcast_get(*, tenant: Tenant, pk: Any) -> Broadcast:
    return get_object_or_404(broadcast_list(tenant=tenant), pk=pk)


SKIP_REASONS_SHOWN = 50


def broadcast_report(*, tenant: Tenant, broadcast: Broadcast) -> dict[str, Any]:
    """Progress and outcome: recipients by state, the skipped by kind and reason, messages by
    status, failures by reason, replies, opt-outs since it started, and the ETA at the pool's
    carrier rate."""
    recipients = BroadcastRecipient.objects.for_tenant(tenant).filter(broadcast=broadcast)
    by_state = {
        (state, reason): count
        for state, reason, count in recipients.values_list("status", "skip_reason")
        .annotate(count=Count("pk"))
        .order_by()
    }
    skipped = {
        reason: by_state.get(("skipped", reason), 0) for reason in BroadcastRecipient.Skip.values
    }
    skip_reasons: dict[str, list[dict[str, Any]]] = {
        reason: [] for reason in BroadcastRecipient.Skip.values
    }
    if any(skipped.values()):
        for reason, detail, count in (
            recipients.filter(status="skipped")
            .values_list("skip_reason", "skip_detail")
            .annotate(count=Count("pk"))
            .order_by("-count", "skip_reason", "skip_detail")[:SKIP_REASONS_SHOWN]
        ):
            skip_reasons.setdefault(reason, []).append({"detail": detail, "count": count})
    pending = by_state.get(("pending", ""), 0)
    canceled = by_state.get(("canceled", ""), 0)
    messages = Message.objects.for_tenant(tenant).filter(broadcast_recipient__broadcast=broadcast)
    statuses = dict(messages.values_list("status").annotate(count=Count("pk")).order_by())
    failures = [
        {"reason": description or "Unknown", "error_code": code, "count": count}
        for code, description, count in messages.filter(status=Message.Status.FAILED)
        .values_list("error_code", "error_description")
        .annotate(count=Count("pk"))
        .order_by("-count")
    ]
    replied = (
        messages.filter(
            Exists(
                Message.objects.filter(
                    conversation=OuterRef("conversation"),
                    direction=Message.Direction.IN,
                    created_at__gt=OuterRef("created_at"),
                )
            )
        ).count()
        if statuses
        else 0
    )
    opted_out = 0
    if broadcast.started_at is not None:
        opted_out = (
            OptOut.objects.for_tenant(tenant)
            .filter(
                action=OptOut.Action.OPT_OUT,
                created_at__gte=broadcast.started_at,
                number__in=recipients.filter(status="queued").values("number"),
            )
            .values("number")
            .distinct()
            .count()
        )
    queued = statuses.get(Message.Status.QUEUED, 0)
    total = broadcast.recipient_count
    done = total - pending - queued
    left_segments = (pending + queued) * broadcast.segment_count
    active = broadcast.status in (Broadcast.Status.SENDING, Broadcast.Status.SCHEDULED)
    eta = left_segments / broadcast.rate_per_second if active and broadcast.rate_per_second else 0
    return {
        "recipients": total,
        "pending": pending,
        "queued": queued,
        "canceled": canceled,
        "skipped": skipped,
        "skip_reasons": skip_reasons,
        "skipped_total": sum(skipped.values()),
        "sent": sum(
            statuses.get(s, 0)
            for s in (Message.Status.SENDING, Message.Status.SENT, Message.Status.DELIVERED)
        ),
        "delivered": statuses.get(Message.Status.DELIVERED, 0),
        "failed": statuses.get(Message.Status.FAILED, 0),
        "failures": failures,
        "replied": replied,
        "opted_out": opted_out,
        "progress": round(100 * done / total) if total else 100,
        "eta_seconds": round(eta),
    }
