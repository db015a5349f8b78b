"""The team's tools: internal notes, canned replies and the after-hours text."""

from __future__ import annotations

import logging
from datetime import datetime
from numbers.models import PhoneNumber
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core import hours as business_hours
from core.batch import remembered
from tenants.errors import ParleyError
from tenants.models import Tenant

from ..models import (
    AfterHoursReply,
    AfterHoursReplySent,
    CannedReply,
    Contact,
    Conversation,
    Message,
    Note,
)
from .sending import MAX_TEXT, message_send

logger = logging.getLogger("parley.messaging")

MAX_NOTE = 2000
MAX_CANNED = 1000
AFTER_HOURS_TAG = "parley:after-hours"


@transaction.atomic
def note_add(*, tenant: Tenant, conversation: Conversation, author: Any, text: str) -> Note:
    """A note for the team in the thread. Never sent: it is not a Message."""
    text = (text or "").strip()
    if not text:
        raise ParleyError("Write the note first.", field="note", code="required")
    if len(text) > MAX_NOTE:
        raise ParleyError(
            f"Keep the note under {MAX_NOTE} characters.", field="note", code="too_long"
        )
    if conversation.tenant_id != tenant.pk:
        raise ParleyError("No such conversation.", field="conversation", code="not_found")
    return Note.objects.create(tenant=tenant, conversation=conversation, author=author, text=text)


@transaction.atomic
def canned_reply_save(
    *, tenant: Tenant, title: str, body: str, canned: CannedReply | None = None
) -> CannedReply:
    title = (title or "").strip()
    body = (body or "").strip()
    if not title:
        raise ParleyError("Give the reply a short title.", field="title", code="required")
    if len(title) > 80:
        raise ParleyError("Keep the title under 80 characters.", field="title", code="too_long")
    if not body:
        raise ParleyError("Write the reply's text.", field="body", code="required")
    if len(body) > MAX_CANNED:
        raise ParleyError(
            f"Keep the text under {MAX_CANNED} characters.", field="body", code="too_long"
        )
    taken = CannedReply.objects.for_tenant(tenant).filter(title__iexact=title)
    if canned is not None:
        taken = taken.exclude(pk=canned.pk)
    if taken.exists():
        raise ParleyError("Another reply has this title.", field="title", code="taken")
    if canned is None:
        return CannedReply.objects.create(tenant=tenant, title=title, body=body)
    canned.title, canned.body = title, body
    canned.save(update_fields=["title", "body", "updated_at"])
    return canned


@transaction.atomic
def canned_reply_delete(*, canned: CannedReply) -> None:
    canned.delete()


@transaction.atomic
def after_hours_reply_update(
    *,
    tenant: Tenant,
    enabled: bool,
    text: str,
    hours: Any,
    phone_number: PhoneNumber | None = None,
) -> AfterHoursReply:
    """The tenant's default after-hours text, or with ``phone_number`` that number's own (which
    replaces the default on it; disabled, it means no after-hours text there)."""
    if phone_number is not None and (
        phone_number.tenant_id != tenant.pk
        or phone_number.status not in PhoneNumber.ROUTABLE_STATUSES
    ):
        raise ParleyError(
            "Choose one of your active numbers.", field="phone_number", code="not_found"
        )
    text = (text or "").strip()
    if enabled and not text:
        raise ParleyError("Write the text to send after hours.", field="text", code="required")
    if len(text) > 480:
        raise ParleyError("Keep the text under 480 characters.", field="text", code="too_long")
    clean = business_hours.clean_hours(hours)
    if enabled and not any(clean.values()):
        raise ParleyError("Choose at least one open day.", field="hours", code="required")
    reply, _ = AfterHoursReply.objects.select_for_update().get_or_create(
        tenant=tenant, phone_number=phone_number
    )
    reply.enabled, reply.text, reply.hours = enabled, text, clean
    reply.save()
    return reply


@transaction.atomic
def after_hours_reply_delete(*, tenant: Tenant, reply: AfterHoursReply) -> None:
    """Removes a number's own after-hours text: the tenant's default applies to it again."""
    if reply.tenant_id != tenant.pk:
        raise ParleyError("No such after-hours text.", field="phone_number", code="not_found")
    if reply.phone_number_id is None:
        raise ParleyError(
            "The tenant's default text stays; switch it off instead.",
            field="phone_number",
            code="default",
        )
    AfterHoursReply.objects.filter(pk=reply.pk).delete()


def _window(config: AfterHoursReply, tz: str, moment: datetime) -> str:
    """The closed period ``moment`` falls in, named by when it ends (the next opening)."""
    opening = business_hours.next_opening(config.hours, tz, moment)
    return opening.isoformat() if opening else "closed"


def after_hours_reply_maybe_send(
    *, tenant: Tenant, phone_number: PhoneNumber, message: Message
) -> Message | None:
    """Inside the inbound message's transaction: the after-hours text to its sender, at most
    once per closed period; never to an opted-out contact, never into a group. The number's own
    text wins over the tenant's default, both read in one query (the only one while the tenant
    has no after-hours text)."""
    if len(message.conversation.participants) != 1 or not tenant.is_active:
        return None
    config = remembered(
        ("after-hours", tenant.pk, phone_number.pk),
        lambda: (
            AfterHoursReply.objects.for_tenant(tenant)
            .filter(Q(phone_number=phone_number) | Q(phone_number__isnull=True))
            .order_by(F("phone_number").asc(nulls_last=True))
            .first()
        ),
    )
    if config is None or not config.enabled or not config.text:
        return None
    moment = message.received_at or timezone.now()
    if business_hours.is_open(config.hours, tenant.timezone, moment):
        return None
    contact = Contact.objects.for_tenant(tenant).filter(number=message.from_number).first()
    if contact is None or contact.opted_out:
        return None
    try:
        with transaction.atomic():
            sent = AfterHoursReplySent.objects.create(
                tenant=tenant,
                contact=contact,
                phone_number_id=config.phone_number_id,
                window=_window(config, tenant.timezone, moment),
            )
            result = message_send(
                tenant=tenant,
                from_number=phone_number.number,
                to=[message.from_number],
                text=config.text[:MAX_TEXT],
                auto_reply=True,
                tag=AFTER_HOURS_TAG,
            )
            sent.message = result.message
            sent.save(update_fields=["message"])
    except IntegrityError:
        return None
    except ParleyError as exc:
        logger.info("after-hours text to %s not sent: %s", contact.pk, exc.message)
        return None
    return result.message
