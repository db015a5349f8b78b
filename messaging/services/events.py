"""Applying one inbound event: a received message (with STOP/START/HELP) or a status."""

from __future__ import annotations

import json
import logging
from numbers.models import PhoneNumber
from typing import Any

from django.db import IntegrityError, transaction

from bandwidth.callbacks import (
    MessageReceived,
    MessageStatusEvent,
    parse_messaging_callbacks,
)
from compliance import services as compliance_services
from core.batch import remembered
from tenants.errors import ParleyError
from tenants.models import Tenant

from .. import errors as codes
from ..models import (
    Contact,
    Media,
    Message,
    OptOut,
    RawEvent,
)
from ..segments import segment_info
from .conversations import _conversation_for, _touch_conversation, contact_opt_in, contact_opt_out
from .metering import message_usage_record
from .outbox import report_received, report_status
from .policy import messaging_policy_get
from .sending import message_send
from .team import after_hours_reply_maybe_send

logger = logging.getLogger("parley.messaging")

STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)


START_WORDS = frozenset({"START", "UNSTOP", "YES"})


HELP_WORDS = frozenset({"HELP", "INFO"})


def inbound_message_record(*, tenant: Tenant, event: MessageReceived) -> tuple[Message, bool]:
    """An inbound message: its contacts and conversation (threaded by the set of participants),
    stored once per Bandwidth id; keywords handled; media fetched by a task."""
    data = event.message
    owner = data.owner
    phone_number = remembered(
        ("active-number", tenant.pk, owner),
        lambda: (
            PhoneNumber.objects.for_tenant(tenant)
            .filter(number=owner, status=PhoneNumber.Status.ACTIVE)
            .first()
        ),
    )
    if phone_number is None:
        raise ParleyError(f"{owner} is not an active number of {tenant.name}.")
    participants = sorted(({data.from_} | set(data.to)) - {owner})
    conversation = _conversation_for(tenant, phone_number, participants)
    segments = data.segment_count or 1
    # Stored once per Bandwidth id by the UNIQUE constraint (a replay lands in the except below).
    text = data.text or ""
    try:
        with transaction.atomic():
            message = Message.objects.create(
                tenant=tenant,
                conversation=conversation,
                direction=Message.Direction.IN,
                from_number=data.from_,
                to=list(data.to),
                recipient_count=len(data.to),
                text=text,
                segment_count=segments,
                encoding=segment_info(text).encoding,
                status=Message.Status.RECEIVED,
                bandwidth_id=data.id,
                tag=data.tag or "",
                received_at=event.time,
            )
    except IntegrityError:
        message = (
            Message.objects.for_tenant(tenant)
            .filter(direction=Message.Direction.IN, bandwidth_id=data.id)
            .get()
        )
        return message, False
    media_ids = [
        Media.objects.create(tenant=tenant, message=message, source_url=url[:4096]).pk
        for url in data.media
    ]
    if media_ids:
        from ..tasks import fetch_media

        transaction.on_commit(lambda: [fetch_media.delay(pk) for pk in media_ids])
    _touch_conversation(conversation, message, unread=True)
    report_received(message, len(media_ids))
    # A keyword counts in a group too; the confirmation goes to the sender alone.
    if not _handle_keyword(tenant, phone_number, message):
        after_hours_reply_maybe_send(tenant=tenant, phone_number=phone_number, message=message)
    # Last: the tenant's day counter is a hot row, locked from here to the commit only.
    message_usage_record(message=message, media_count=len(media_ids))
    return message, True


def inbound_from_blocked(*, tenant: Tenant, event: MessageReceived) -> None:
    """A text from a blocked number: kept only as its raw event (no conversation, no unread, no
    reply). A STOP still opts the number out, silently, so no send path reaches it."""
    word = (event.message.text or "").strip().upper()
    if word in STOP_WORDS:
        contact_opt_out(
            tenant=tenant, number=event.message.from_, source=OptOut.Source.KEYWORD, keyword=word
        )


def _handle_keyword(tenant: Tenant, phone_number: PhoneNumber, message: Message) -> bool:
    """True when the text was a keyword (STOP, START, HELP and their synonyms)."""
    word = (message.text or "").strip().upper()
    sender = message.from_number
    if word in STOP_WORDS:
        already = Contact.objects.for_tenant(tenant).filter(number=sender, opted_out=True).exists()
        contact_opt_out(
            tenant=tenant,
            number=sender,
            source=OptOut.Source.KEYWORD,
            keyword=word,
            message=message,
        )
        if already:
            return True  # one confirmation: a repeated STOP changes nothing and gets no reply
        reply = messaging_policy_get(tenant=tenant).opt_out_text
    elif word in START_WORDS:
        contact_opt_in(
            tenant=tenant,
            number=sender,
            source=OptOut.Source.KEYWORD,
            keyword=word,
            message=message,
        )
        reply = messaging_policy_get(tenant=tenant).opt_in_text
    elif word in HELP_WORDS:
        reply = messaging_policy_get(tenant=tenant).help_text
    else:
        return False
    if not tenant.is_active:
        logger.info("tenant %s suspended: no automatic reply to %s", tenant.pk, word)
        return True
    try:
        with transaction.atomic():
            message_send(
                tenant=tenant,
                from_number=phone_number.number,
                to=[sender],
                text=reply,
                auto_reply=True,
                allow_opted_out=True,
                tag="parley:auto-reply",
            )
    except ParleyError as exc:
        logger.warning("automatic reply to %s not sent: %s", word, exc.message)
    return True


def status_event_apply(*, tenant: Tenant, event: MessageStatusEvent) -> bool:
    """Moves the message (and that recipient) forward; never back. False when Parley does not
    know the Bandwidth id yet (the callback beat the send's answer)."""
    message = (
        Message.objects.for_tenant(tenant)
        .select_for_update()
        .filter(direction=Message.Direction.OUT, bandwidth_id=event.message.id)
        .first()
    )
    if message is None:
        return False
    new = event.status
    recipient = event.to
    current = message.recipient_status.get(recipient) or {"status": "queued"}
    if Message.RANK[new] <= Message.RANK.get(current.get("status", "queued"), 0):
        return True
    entry: dict[str, Any] = {"status": new}
    if event.error_code is not None:
        entry["error_code"] = event.error_code
    message.recipient_status[recipient] = entry
    statuses = [(message.recipient_status.get(r) or {}).get("status", "queued") for r in message.to]
    if all(s in Message.TERMINAL for s in statuses):
        overall = "delivered" if "delivered" in statuses else "failed"
    else:
        overall = max(statuses, key=lambda s: Message.RANK[s])
        if overall in Message.TERMINAL:
            overall = "sent"
    stamp = event.time
    before = message.status
    if Message.RANK[overall] > Message.RANK[message.status]:
        message.status = overall
        stamp_field = f"{overall}_at"
        if getattr(message, stamp_field, None) is None:
            setattr(message, stamp_field, stamp)
    if new == "failed":
        message.error_code = event.error_code
        message.error_description = codes.meaning(event.error_code, event.description)[:300]
    message.save()
    if message.status != before and message.status in ("delivered", "failed"):
        report_status(message, message.status)
    if new == "failed" and event.error_code in codes.REGISTRATION_ERROR_CODES:
        compliance_services.number_refused_by_carrier(
            tenant=tenant, number=message.from_number, error_code=event.error_code
        )
    if new == "failed" and event.error_code in codes.OPT_OUT_ERROR_CODES:
        contact_opt_out(
            tenant=tenant,
            number=recipient,
            source=OptOut.Source.CARRIER,
            keyword=str(event.error_code),
            message=message,
        )
    return True


def status_events_apply_unmatched(*, message_id: str) -> int:
    """Applies status events stored before Parley knew this Bandwidth id."""
    applied = 0
    pending = RawEvent.objects.filter(message_id=message_id, outcome=RawEvent.Outcome.UNMATCHED)
    for raw in pending.select_related("tenant"):
        if raw.tenant is None:
            continue
        event = parse_messaging_callbacks(json.dumps([raw.payload]))[0]
        if not isinstance(event, MessageStatusEvent):
            continue
        with transaction.atomic():
            if status_event_apply(tenant=raw.tenant, event=event):
                RawEvent.objects.filter(pk=raw.pk).update(outcome=RawEvent.Outcome.PROCESSED)
                applied += 1
    return applied
