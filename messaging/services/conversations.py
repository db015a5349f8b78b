"""Contacts, conversations and opt-outs."""

from __future__ import annotations

from numbers.models import PhoneNumber
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from core.phones import normalize_number
from tenants.errors import ParleyError
from tenants.models import Membership, Tenant

from ..models import (
    Contact,
    Conversation,
    Message,
    OptOut,
)
from .outbox import report_assigned, report_opt


def _contact_for(tenant: Tenant, number: str) -> Contact:
    contact = Contact.objects.for_tenant(tenant).filter(number=number).first()
    if contact is not None:
        return contact
    try:
        with transaction.atomic():
            return Contact.objects.create(tenant=tenant, number=number)
    except IntegrityError:
        return Contact.objects.for_tenant(tenant).get(number=number)


def _conversation_for(
    tenant: Tenant, phone_number: PhoneNumber, participants: list[str]
) -> Conversation:
    ordered = sorted(set(participants))
    key = ",".join(ordered)
    rows = Conversation.objects.for_tenant(tenant).filter(
        phone_number=phone_number, participants_key=key
    )
    conversation = rows.first()
    if conversation is None:
        try:
            with transaction.atomic():
                conversation = Conversation.objects.create(
                    tenant=tenant,
                    phone_number=phone_number,
                    participants=ordered,
                    participants_key=key,
                )
                conversation.contacts.set([_contact_for(tenant, n) for n in ordered])
        except IntegrityError:
            conversation = rows.get()
    conversation.phone_number = phone_number  # the row in hand; callers read it (event payloads)
    return conversation


def _touch_conversation(conversation: Conversation, message: Message, *, unread: bool) -> None:
    preview = (message.text or ("[media]" if message.direction == "in" else "")).strip()
    newer = Q(last_message_at__isnull=True) | Q(last_message_at__lte=message.created_at)
    changes: dict[str, Any] = {
        "last_message_at": Case(
            When(newer, then=Value(message.created_at)), default=F("last_message_at")
        ),
        "last_message_preview": Case(
            When(newer, then=Value(preview[:120])), default=F("last_message_preview")
        ),
    }
    if unread:
        changes.update(unread_count=F("unread_count") + 1, status=Conversation.Status.OPEN)
    Conversation.objects.filter(pk=conversation.pk).update(**changes)


@transaction.atomic
def conversation_assign(*, conversation: Conversation, assignee: Membership | None) -> Conversation:
    if assignee is not None and assignee.tenant_id != conversation.tenant_id:
        raise ParleyError("That person is not a member of this tenant.", field="assignee")
    changed = conversation.assignee_id != (assignee.pk if assignee else None)
    conversation.assignee = assignee
    conversation.save(update_fields=["assignee"])
    if changed:
        report_assigned(conversation, assignee)
    return conversation


@transaction.atomic
def conversation_set_status(*, conversation: Conversation, status: str) -> Conversation:
    if status not in Conversation.Status.values:
        raise ParleyError("Status must be open or closed.", field="status")
    conversation.status = status
    conversation.save(update_fields=["status"])
    return conversation


@transaction.atomic
def conversation_mark_read(*, conversation: Conversation) -> Conversation:
    conversation.unread_count = 0
    conversation.save(update_fields=["unread_count"])
    return conversation


@transaction.atomic
def contact_opt_out(
    *,
    tenant: Tenant,
    number: str,
    source: str,
    keyword: str = "",
    message: Message | None = None,
) -> Contact:
    number = normalize_number(number, field="number", region=tenant.default_region)
    contact = _contact_for(tenant, number)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if not contact.opted_out:
        contact.opted_out = True
        contact.opted_out_at = timezone.now()
        contact.save(update_fields=["opted_out", "opted_out_at"])
        report_opt(contact, opted_out=True, source=source, keyword=keyword)
    OptOut.objects.create(
        tenant=tenant,
        contact=contact,
        number=number,
        action=OptOut.Action.OPT_OUT,
        keyword=keyword,
        source=source,
        message=message,
    )
    return contact


@transaction.atomic
def contact_opt_in(
    *,
    tenant: Tenant,
    number: str,
    source: str,
    keyword: str = "",
    message: Message | None = None,
) -> Contact:
    number = normalize_number(number, field="number", region=tenant.default_region)
    contact = _contact_for(tenant, number)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.opted_out:
        contact.opted_out = False
        contact.opted_in_at = timezone.now()
        contact.save(update_fields=["opted_out", "opted_in_at"])
        report_opt(contact, opted_out=False, source=source, keyword=keyword)
        OptOut.objects.create(
            tenant=tenant,
            contact=contact,
            number=number,
            action=OptOut.Action.OPT_IN,
            keyword=keyword,
            source=source,
            message=message,
        )
    return contact
