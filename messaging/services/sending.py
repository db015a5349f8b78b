"""Sending: every send (UI, API, scheduled, automatic) is checked and stored here; a task
dispatches it. The daily cap, uploads, rescheduling, cancelling and resending."""

from __future__ import annotations

import hashlib
import logging
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from numbers.models import PhoneNumber
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from compliance import services as compliance_services
from core.idempotency import idempotency_claim, idempotency_lookup
from core.phones import normalize_number
from tenants import services as tenant_services
from tenants.errors import ParleyError, TenantSuspended
from tenants.models import ApiToken, OutboundChannel, Tenant
from usage.services import usage_limit_check

from ..models import (
    Contact,
    DailySegmentUsage,
    Media,
    Message,
    MessagingPolicy,
)
from ..segments import segment_info
from .conversations import _conversation_for, _touch_conversation

logger = logging.getLogger("parley.messaging")

MAX_TEXT = 2048


MAX_RECIPIENTS = 10


MAX_MEDIA_URL = 4096


MAX_MMS_BYTES = 3_500_000


MEDIA_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/bmp",
        "image/webp",
        "image/heic",
        "image/tiff",
        "audio/mpeg",
        "audio/mp4",
        "audio/ogg",
        "audio/amr",
        "audio/wav",
        "audio/3gpp",
        "video/mp4",
        "video/3gpp",
        "video/quicktime",
        "video/mpeg",
        "video/webm",
        "text/vcard",
        "text/x-vcard",
        "text/calendar",
        "text/plain",
        "text/csv",
        "application/pdf",
    }
)


SEND_SCOPE = "messages.send"


@dataclass(frozen=True)
class SendResult:
    message: Message
    created: bool


def _tenant_day(tenant: Tenant, moment: datetime) -> date:
    """The date ``moment`` falls on in the tenant's time zone (the day of the daily cap)."""
    return moment.astimezone(zoneinfo.ZoneInfo(tenant.timezone)).date()


def _segments_take(tenant: Tenant, *, day: date, segments: int, cap: int | None) -> None:
    """Counts ``segments`` on the tenant's day, or refuses (counting nothing) beyond ``cap``.

    One conditional UPDATE of the day's row: concurrent sends of the tenant queue on that row
    only, and nothing slow runs after it in their transactions."""
    DailySegmentUsage.objects.bulk_create(
        [DailySegmentUsage(tenant=tenant, day=day)], ignore_conflicts=True
    )
    row = DailySegmentUsage.objects.for_tenant(tenant).filter(day=day)
    if cap is None or segments <= cap:
        allowed = row if cap is None else row.filter(used__lte=cap - segments)
        if allowed.update(used=F("used") + segments):
            return
    used = row.values_list("used", flat=True).first() or 0
    raise ParleyError(
        f"This would exceed today's limit of {cap} segments ({used} used).",
        field="to",
        code="daily_cap",
    )


def _segments_adjust(message: Message, change: int) -> None:
    """A canceled or edited message gives back (or counts) segments on the day it was counted."""
    if not change:
        return
    day = _tenant_day(message.tenant, message.queued_at or message.created_at)
    DailySegmentUsage.objects.for_tenant(message.tenant).filter(day=day).update(
        used=Greatest(F("used") + change, 0)
    )


def _check_uploads(uploads: list[UploadedFile]) -> None:
    total = 0
    for upload in uploads:
        content_type = (upload.content_type or "").split(";")[0].strip().lower()
        if content_type not in MEDIA_TYPES:
            raise ParleyError(
                f"{upload.name}: {content_type or 'unknown type'} files cannot be sent by MMS.",
                field="media",
            )
        size = upload.size or 0
        total += size
        if size > MAX_MMS_BYTES or total > MAX_MMS_BYTES:
            raise ParleyError(
                f"Attachments may total at most {MAX_MMS_BYTES / 1_000_000:.1f} MB.", field="media"
            )


def _upload_digest(upload: UploadedFile) -> dict[str, Any]:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return {"name": upload.name, "type": upload.content_type, "sha256": digest.hexdigest()}


def _store_uploads(tenant: Tenant, uploads: list[UploadedFile]) -> list[Media]:
    """Writes the attachments to storage; the rows are saved later, with the message."""
    stored = []
    for upload in uploads:
        item = Media(
            tenant=tenant,
            content_type=(upload.content_type or "").split(";")[0].strip().lower(),
            size=upload.size,
            status=Media.Status.STORED,
        )
        item.file.save(upload.name or "attachment", upload, save=False)
        stored.append(item)
    return stored


def _discard_uploads(stored: list[Media]) -> None:
    for item in stored:
        try:
            item.file.delete(save=False)
        except OSError:
            logger.warning("could not delete unused upload %s", item.file.name, exc_info=True)


def _check_media_urls(urls: list[str]) -> None:
    for url in urls:
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ParleyError("Each media entry must be an http(s) URL.", field="media")
        if len(url) > MAX_MEDIA_URL:
            raise ParleyError(
                f"Media URLs may be at most {MAX_MEDIA_URL} characters.", field="media"
            )


def message_send(
    *,
    tenant: Tenant,
    from_number: str,
    to: list[str],
    text: str = "",
    media_urls: list[str] | None = None,
    uploads: list[UploadedFile] | None = None,
    send_at: datetime | None = None,
    tag: str = "",
    sent_by: Any = None,
    sent_by_token: ApiToken | None = None,
    idempotency_key: str = "",
    auto_reply: bool = False,
    allow_opted_out: bool = False,
    allow_not_textable: bool = False,
    now: datetime | None = None,
) -> SendResult:
    """Checks everything, then stores the message as queued with its conversation; a task sends
    it after commit (or at ``send_at``). The UI, the API, scheduled sends and automatic replies
    all come here.

    Attachments are checked and written to storage, and recipients' line types looked up (and
    kept, even when the send is then refused), before anything is locked. Then, in one short
    transaction with no I/O: the Idempotency-Key is claimed (``core.idempotency``), the segments
    are counted against the daily cap of the tenant's local day (``now`` defaults to the present)
    and the rows are written. Automatic replies are counted but never refused by the cap.
    """
    media_urls = list(media_urls or [])
    uploads = list(uploads or [])
    text = text or ""
    now = now or timezone.now()
    if not tenant.is_active:
        raise TenantSuspended(f"The tenant {tenant.name} is suspended; nothing can be sent.")
    _check_uploads(uploads)
    request_body = {
        "from": from_number,
        "to": to,
        "text": text,
        "media": media_urls,
        "uploads": [_upload_digest(upload) for upload in uploads],
        "send_at": send_at.isoformat() if send_at else None,
        "tag": tag,
    }
    earlier = idempotency_lookup(
        tenant=tenant, scope=SEND_SCOPE, key=idempotency_key, body=request_body
    )
    if earlier is not None:
        return SendResult(Message.objects.for_tenant(tenant).get(pk=earlier), False)
    # Read, never created here: a send writes nothing before its uploads are stored.
    policy = MessagingPolicy.objects.for_tenant(tenant).first() or MessagingPolicy(tenant=tenant)

    from_e164 = normalize_number(from_number, field="from", region=tenant.default_region)
    phone_number = (
        PhoneNumber.objects.for_tenant(tenant)
        .filter(number=from_e164, status=PhoneNumber.Status.ACTIVE)
        .first()
    )
    if phone_number is None:
        raise ParleyError(f"{from_e164} is not an active number of {tenant.name}.", field="from")
    if not isinstance(to, list | tuple) or not to:
        raise ParleyError("Give at least one recipient.", field="to")
    if len(to) > MAX_RECIPIENTS:
        raise ParleyError(f"A message may go to at most {MAX_RECIPIENTS} numbers.", field="to")
    recipients: list[str] = []
    for raw in to:
        number = normalize_number(str(raw), field="to", region=tenant.default_region)
        if number == from_e164:
            raise ParleyError("A message cannot be sent to its own number.", field="to")
        if number not in recipients:
            recipients.append(number)
    tenant_services.outbound_destinations_check(
        tenant=tenant, channel=OutboundChannel.TEXTS, targets=[("to", n) for n in recipients]
    )
    if len(text) > MAX_TEXT:
        raise ParleyError(f"The text is {len(text)} characters; at most {MAX_TEXT}.", field="text")
    if not text.strip() and not media_urls and not uploads:
        raise ParleyError("Write a text or attach a file.", field="text")
    if len(tag) > 1024:
        raise ParleyError("The tag may be at most 1024 characters.", field="tag")
    _check_media_urls(media_urls)
    if not allow_opted_out:
        for contact in Contact.objects.for_tenant(tenant).filter(
            number__in=recipients, opted_out=True
        ):
            raise ParleyError(
                f"{contact.label} has opted out (replied STOP) and cannot be texted until they "
                "reply START.",
                field="to",
                code="opted_out",
            )
    if not auto_reply:
        # Automatic replies answer someone who just texted that number: they stay possible.
        compliance_services.send_check(
            tenant=tenant,
            phone_number=phone_number,
            recipients=recipients,
            allow_not_textable=allow_not_textable,
        )
    if send_at is not None:
        if send_at <= now - timedelta(minutes=1):
            raise ParleyError("The send time is in the past.", field="send_at")
        if send_at <= now:
            send_at = None
    mms = bool(media_urls or uploads) or len(recipients) > 1
    info = segment_info(text, mms=mms)
    if not auto_reply:
        usage_limit_check(
            tenant=tenant,
            limit="segments",
            quantity=(1 if mms else info.segments) * len(recipients),
        )

    stored = _store_uploads(tenant, uploads)
    try:
        with transaction.atomic():
            claim = idempotency_claim(
                tenant=tenant, scope=SEND_SCOPE, key=idempotency_key, body=request_body
            )
            if claim.replay_of is not None:
                result = SendResult(
                    Message.objects.for_tenant(tenant).get(pk=claim.replay_of), False
                )
            else:
                _segments_take(
                    tenant,
                    day=_tenant_day(tenant, now),
                    segments=info.segments * len(recipients),
                    cap=None if auto_reply else policy.daily_segment_cap,
                )
                conversation = _conversation_for(tenant, phone_number, recipients)
                message = Message.objects.create(
                    tenant=tenant,
                    conversation=conversation,
                    direction=Message.Direction.OUT,
                    from_number=from_e164,
                    to=recipients,
                    recipient_count=len(recipients),
                    text=text,
                    segment_count=info.segments,
                    encoding=info.encoding,
                    status=Message.Status.QUEUED,
                    recipient_status={n: {"status": "queued"} for n in recipients},
                    tag=tag,
                    sent_by=sent_by if getattr(sent_by, "pk", None) else None,
                    sent_by_token=sent_by_token,
                    auto_reply=auto_reply,
                    scheduled_for=send_at,
                    queued_at=now,
                )
                for url in media_urls:
                    Media.objects.create(tenant=tenant, message=message, source_url=url)
                for item in stored:
                    item.message = message
                    item.save()
                claim.complete(message.pk)
                _touch_conversation(conversation, message, unread=False)
                _enqueue_dispatch(message)
                result = SendResult(message, True)
    except BaseException:
        _discard_uploads(stored)
        raise
    if not result.created:
        _discard_uploads(stored)  # a concurrent request with the key was first
    return result


def _enqueue_dispatch(message: Message) -> None:
    from ..tasks import dispatch_message

    message_id = message.pk
    if message.scheduled_for is None:
        transaction.on_commit(lambda: dispatch_message.delay(message_id))
        return
    delay = (message.scheduled_for - timezone.now()).total_seconds()
    if delay < 600:
        transaction.on_commit(
            lambda: dispatch_message.apply_async((message_id,), countdown=max(0.0, delay))
        )


def _lock_editable(message: Message) -> Message:
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if not locked.is_editable or locked.dispatch_claimed_at is not None:
        raise ParleyError(
            "Only a scheduled message that has not gone out yet can be changed.",
            code="not_editable",
        )
    return locked


@transaction.atomic
def message_reschedule(
    *, message: Message, text: str | None = None, send_at: datetime | None = None
) -> Message:
    locked = _lock_editable(message)
    counted = locked.segment_count
    if text is not None:
        if not text.strip() and not locked.media.exists():
            raise ParleyError("Write a text.", field="text")
        if len(text) > MAX_TEXT:
            raise ParleyError(f"The text may be at most {MAX_TEXT} characters.", field="text")
        info = segment_info(text, mms=locked.recipient_count > 1 or locked.media.exists())
        locked.text, locked.segment_count, locked.encoding = text, info.segments, info.encoding
    if send_at is not None:
        if send_at <= timezone.now():
            raise ParleyError("The new send time must be in the future.", field="send_at")
        locked.scheduled_for = send_at
    locked.save()
    _segments_adjust(locked, (locked.segment_count - counted) * locked.recipient_count)
    _enqueue_dispatch(locked)
    return locked


@transaction.atomic
def message_cancel(*, message: Message) -> Message:
    locked = _lock_editable(message)
    locked.status = Message.Status.CANCELED
    locked.canceled_at = timezone.now()
    locked.save(update_fields=["status", "canceled_at", "updated_at"])
    _segments_adjust(locked, -locked.segment_count * locked.recipient_count)
    return locked


def message_resend(*, message: Message, sent_by: Any = None) -> SendResult:
    """A new copy of a failed outbound message, through every check again."""
    if message.direction != Message.Direction.OUT or message.status != Message.Status.FAILED:
        raise ParleyError("Only failed outbound messages can be sent again.")
    media = [m.source_url for m in message.media.all() if m.source_url]
    return message_send(
        tenant=message.tenant,
        from_number=message.from_number,
        to=list(message.to),
        text=message.text,
        media_urls=media,
        tag=message.tag,
        sent_by=sent_by,
    )
