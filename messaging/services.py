"""Every write of messaging: send, dispatch, receive, statuses, opt-outs, conversations."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from numbers.models import PhoneNumber
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from bandwidth.callbacks import (
    MessageReceived,
    MessageStatusEvent,
    MessagingEvent,
    RejectedElement,
    parse_messaging_callbacks,
    parse_messaging_elements,
)
from bandwidth.client import media_id_from_url
from carrier import selectors as carrier_selectors
from carrier.clients import client_for_tenant
from carrier.models import Provisioning
from core.destinations import DestinationNotAllowed
from core.idempotency import idempotency_claim, idempotency_lookup
from core.locks import Lock, first_free
from core.phones import normalize_number
from core.retries import SENDS, RetryLater, Verdict
from tenants import services as tenant_services
from tenants.errors import ParleyError, TenantSuspended
from tenants.models import ApiToken, Membership, OutboundChannel, Tenant

from . import errors as codes
from .limiter import Scope, acquire, shared_limiter
from .models import (
    Contact,
    Conversation,
    DailySegmentUsage,
    Media,
    Message,
    MessagingPolicy,
    OptOut,
    RawEvent,
)
from .segments import segment_info

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

STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_WORDS = frozenset({"HELP", "INFO"})


# --- policy ---------------------------------------------------------------------------------


@transaction.atomic
def messaging_policy_get(*, tenant: Tenant) -> MessagingPolicy:
    policy = MessagingPolicy.objects.for_tenant(tenant).first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            return MessagingPolicy.objects.create(tenant=tenant)
    except IntegrityError:
        return MessagingPolicy.objects.for_tenant(tenant).get()


@transaction.atomic
def messaging_policy_update(*, tenant: Tenant, **values: Any) -> MessagingPolicy:
    policy = messaging_policy_get(tenant=tenant)
    allowed = {
        "help_text",
        "opt_out_text",
        "opt_in_text",
        "daily_segment_cap",
        "local_segments_per_second",
        "toll_free_segments_per_second",
        "tenant_segments_per_second",
    }
    for name, value in values.items():
        if name not in allowed:
            raise ParleyError(f"{name} is not a messaging setting.", field=name)
        setattr(policy, name, value)
    policy.save()
    return policy


# --- contacts and conversations -------------------------------------------------------------


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
    conversation.assignee = assignee
    conversation.save(update_fields=["assignee"])
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
def contact_update(
    *, contact: Contact, name: str | None = None, notes: str | None = None
) -> Contact:
    if name is not None:
        if len(name) > 120:
            raise ParleyError("The name is longer than 120 characters.", field="name")
        contact.name = name.strip()
    if notes is not None:
        contact.notes = notes
    contact.save(update_fields=["name", "notes"])
    return contact


# --- opt-outs -------------------------------------------------------------------------------


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


# --- sending --------------------------------------------------------------------------------


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


@transaction.atomic
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
    now: datetime | None = None,
) -> SendResult:
    """Checks everything, then stores the message as queued with its conversation; a task sends
    it after commit (or at ``send_at``). The UI, the API, scheduled sends and automatic replies
    all come here.

    Attachments are checked and written to storage before anything is locked. Then, in one
    short block with no I/O: the Idempotency-Key is claimed (``core.idempotency``), the segments
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
    if send_at is not None:
        if send_at <= now - timedelta(minutes=1):
            raise ParleyError("The send time is in the past.", field="send_at")
        if send_at <= now:
            send_at = None
    mms = bool(media_urls or uploads) or len(recipients) > 1
    info = segment_info(text, mms=mms)

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
    from .tasks import dispatch_message

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


# --- dispatch -------------------------------------------------------------------------------


def _release(message_id: int) -> None:
    Message.objects.filter(pk=message_id).update(dispatch_claimed_at=None, in_flight=False)


def _fail(message: Message, description: str, code: int | None = None) -> str:
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if Message.RANK[locked.status] < Message.RANK["failed"]:
            now = timezone.now()
            locked.status = Message.Status.FAILED
            locked.failed_at = now
            locked.error_code = code
            locked.error_description = description[:300]
            locked.dispatch_claimed_at = None
            locked.in_flight = False
            for recipient in locked.to:
                locked.recipient_status[recipient] = {"status": "failed", "error_code": code}
            locked.save()
    logger.info("message %s failed: %s", message.pk, description)
    return "failed"


def _scopes(message: Message, phone_number: PhoneNumber, policy: MessagingPolicy) -> list[Scope]:
    account = carrier_selectors.bandwidth_account_for(tenant=message.tenant)
    account_id = account.account_id if account else settings.BANDWIDTH_ACCOUNT_ID
    return [
        Scope(f"number:{phone_number.number}", policy.rate_for(phone_number.kind)),
        Scope(f"tenant:{message.tenant_id}", policy.tenant_segments_per_second),
        Scope(
            f"account:{account_id}",
            float(settings.MESSAGING_ACCOUNT_SEGMENTS_PER_SECOND),
        ),
    ]


def _media_for_send(message: Message, client: Any) -> list[str]:
    urls = []
    account_id = client.credentials.account_id
    base = settings.BANDWIDTH_MESSAGING_BASE_URL.rstrip("/")
    for item in message.media.all():
        if item.source_url:
            urls.append(item.source_url)
            continue
        name = item.file.name.rsplit("/", 1)[-1]
        media_id = f"parley-{message.pk}-{item.pk}-{name}"
        with item.file.open("rb") as handle:
            client.messaging.upload_media(media_id, handle.read(), item.content_type)
        urls.append(f"{base}/users/{account_id}/media/{media_id}")
    return urls


def message_dispatch(*, message_id: int) -> str:
    """Sends one queued message to Bandwidth, once: "sent", "failed", "skipped" or "reconcile".

    The message is claimed with a lease (a second task or the reconciler cannot send it too),
    waits for the shared limiter, and is posted. Errors go through ``core.retries.SENDS``, with
    the attempts and the first attempt's time kept on the row: a 429, 5xx or connection failure
    before the request went out releases the message and raises ``RetryLater``; a 4xx, or the
    horizon passed, fails it with the reason; a timeout after the request went out marks it for
    reconciliation instead of sending it twice.
    """
    now = timezone.now()
    lease = timedelta(seconds=float(settings.MESSAGING_DISPATCH_LEASE_SECONDS))
    claimable = (
        Message.objects.filter(
            pk=message_id,
            direction=Message.Direction.OUT,
            status=Message.Status.QUEUED,
            needs_reconciliation=False,
        )
        .filter(Q(scheduled_for__isnull=True) | Q(scheduled_for__lte=now))
        .filter(Q(dispatch_claimed_at__isnull=True) | Q(dispatch_claimed_at__lt=now - lease))
    )
    if not claimable.update(dispatch_claimed_at=now):
        return "skipped"
    if Message.objects.filter(pk=message_id, in_flight=True).update(needs_reconciliation=True):
        # The worker that held the expired lease died while its request was out: Bandwidth may
        # have the message, so it is reconciled rather than sent again.
        logger.warning(
            "message %s: earlier send attempt lost, marked for reconciliation", message_id
        )
        return "reconcile"
    message = Message.objects.select_related(
        "tenant__provisioning__bandwidth_account", "conversation__phone_number"
    ).get(pk=message_id)
    tenant = message.tenant
    phone_number = message.conversation.phone_number
    if not tenant.is_active:
        return _fail(message, f"The tenant {tenant.name} is suspended.")
    if phone_number.status != PhoneNumber.Status.ACTIVE or phone_number.tenant_id != tenant.pk:
        return _fail(message, f"{phone_number.number} is no longer an active number.")
    if not message.auto_reply:
        blocked = (
            Contact.objects.for_tenant(tenant).filter(number__in=message.to, opted_out=True).first()
        )
        if blocked is not None:
            return _fail(message, f"{blocked.label} has opted out (replied STOP).")
    try:
        tenant_services.outbound_destinations_check(
            tenant=tenant,
            channel=OutboundChannel.TEXTS,
            targets=[("to", number) for number in message.to],
        )
    except DestinationNotAllowed as refused:
        return _fail(message, refused.message)
    provisioning = Provisioning.objects.filter(tenant=tenant).first()
    if provisioning is None or not provisioning.messaging_application_id:
        return _fail(message, "The tenant has no messaging application yet.")
    policy = messaging_policy_get(tenant=tenant)
    admission = acquire(
        shared_limiter(),
        _scopes(message, phone_number, policy),
        message.segment_count,
        max_wait=float(settings.MESSAGING_LIMITER_MAX_WAIT_SECONDS),
    )
    if not admission.admitted:
        _release(message_id)
        raise RetryLater(admission.wait + random.uniform(0, 0.2), "waiting for the rate limiter")
    attempt_at = timezone.now()
    Message.objects.filter(pk=message_id).update(
        dispatch_attempts=F("dispatch_attempts") + 1,
        in_flight=True,
        first_attempt_at=Coalesce(F("first_attempt_at"), Value(attempt_at)),
    )
    attempts = message.dispatch_attempts + 1
    first_attempt_at = message.first_attempt_at or attempt_at
    client = client_for_tenant(tenant)
    try:
        media = _media_for_send(message, client)
        sent = client.messaging.send_message(
            application_id=provisioning.messaging_application_id,
            from_=message.from_number,
            to=list(message.to),
            text=message.text or None,
            media=media or None,
            tag=message.tag or None,
        )
    except Exception as exc:
        decision = SENDS.decide(exc, attempts=attempts, since=first_attempt_at)
        if decision is None:
            raise
        if decision.verdict is Verdict.RECONCILE:
            Message.objects.filter(pk=message_id).update(
                needs_reconciliation=True,
                error_description="No answer from Bandwidth; checking whether it was sent.",
            )
            logger.warning("message %s: ambiguous send, marked for reconciliation", message_id)
            return "reconcile"
        if decision.verdict is Verdict.FAIL:
            return _fail(message, decision.reason)
        _release(message_id)
        logger.info("message %s: %s; again in %.1f s", message_id, decision.reason, decision.delay)
        raise RetryLater(decision.delay, decision.reason) from exc
    _mark_accepted(message_id, sent.id)
    return "sent"


def _mark_accepted(message_id: int, bandwidth_id: str) -> None:
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        message.bandwidth_id = bandwidth_id
        message.needs_reconciliation = False
        message.in_flight = False
        message.error_description = ""
        if Message.RANK[message.status] < Message.RANK["sending"]:
            message.status = Message.Status.SENDING
            message.sending_at = message.sending_at or timezone.now()
        message.save()
    status_events_apply_unmatched(message_id=bandwidth_id)


def reconcile_delay() -> float:
    return float(settings.MESSAGING_RECONCILE_DELAY_SECONDS)


def message_reconcile(*, message_id: int) -> str:
    """Settles a message whose send timed out: adopt Bandwidth's id when Bandwidth has it, else
    release it to be sent (once the grace period has passed). "found", "waiting", "requeued" or
    "nothing to do"; Bandwidth's errors propagate (the task's retry policy decides).

    Bandwidth lists the number's messages to that recipient since the first attempt; only the
    ids of that page are compared with the ids Parley already holds, so the work is bounded by
    the page, not by how much the number ever sent.
    """
    message = Message.objects.select_related("tenant").get(pk=message_id)
    if not message.needs_reconciliation or message.bandwidth_id:
        return "nothing to do"
    claimed_at = message.dispatch_claimed_at or message.created_at
    client = client_for_tenant(message.tenant)
    sent_after = message.first_attempt_at or message.scheduled_for or message.created_at
    start = max(sent_after, timezone.now() - timedelta(days=13)) - timedelta(minutes=1)
    end = timezone.now() + timedelta(minutes=1)
    page = client.messaging.list_messages(
        source_tn=message.from_number,
        destination_tn=message.to[0],
        message_direction="OUTBOUND",
        from_date_time=start.isoformat().replace("+00:00", "Z"),
        to_date_time=end.isoformat().replace("+00:00", "Z"),
        limit=100,
    )
    listed = [record.message_id for record in page.messages if record.message_id]
    known = set(
        Message.objects.for_tenant(message.tenant)
        .filter(direction=Message.Direction.OUT, bandwidth_id__in=listed)
        .values_list("bandwidth_id", flat=True)
    )
    for bandwidth_id in listed:
        if bandwidth_id not in known:
            _mark_accepted(message_id, bandwidth_id)
            logger.info("message %s reconciled as %s", message_id, bandwidth_id)
            return "found"
    grace = timedelta(seconds=float(settings.MESSAGING_RECONCILE_GRACE_SECONDS))
    if timezone.now() - claimed_at < grace:
        return "waiting"
    Message.objects.filter(pk=message_id, needs_reconciliation=True).update(
        needs_reconciliation=False, in_flight=False, dispatch_claimed_at=None, error_description=""
    )
    _enqueue_after_commit(message_id)
    return "requeued"


def _enqueue_after_commit(message_id: int) -> None:
    from .tasks import dispatch_message

    transaction.on_commit(lambda: dispatch_message.delay(message_id))


def messages_due() -> list[int]:
    """Queued outbound messages that should be on their way: scheduled ones whose time has come
    and ones stuck in queued (lost task, broker down) past MESSAGING_STUCK_AFTER_SECONDS."""
    now = timezone.now()
    stuck = now - timedelta(seconds=float(settings.MESSAGING_STUCK_AFTER_SECONDS))
    lease = now - timedelta(seconds=float(settings.MESSAGING_DISPATCH_LEASE_SECONDS))
    rows = (
        Message.objects.filter(
            direction=Message.Direction.OUT,
            status=Message.Status.QUEUED,
            needs_reconciliation=False,
        )
        .filter(Q(dispatch_claimed_at__isnull=True) | Q(dispatch_claimed_at__lt=lease))
        .filter(
            Q(scheduled_for__isnull=True, created_at__lt=stuck)
            | Q(scheduled_for__isnull=False, scheduled_for__lte=now)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    return list(rows)


def messages_needing_reconciliation() -> list[int]:
    return list(
        Message.objects.filter(needs_reconciliation=True, bandwidth_id="")
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


# --- webhooks: raw events, inbound messages, statuses ------------------------------------------


@dataclass
class WebhookResult:
    stored: int = 0
    duplicates: int = 0
    unrouted: int = 0
    rejected: int = 0


DRAIN_FLAG = "messaging:drain-scheduled"
DRAIN_HELP = "messaging:drain-help"
DRAIN_WANTED = "messaging:drain-wanted"
DRAIN_SLOT_SECONDS = 30
DRAIN_BATCH = 50
DRAIN_BUDGET_SECONDS = 60.0
DRAIN_LINGER_SECONDS = 2.5
DRAIN_POLL_SECONDS = 0.2
WAKE_INTERVAL = 0.5


def _event_key(event: MessagingEvent) -> tuple[str, str, str]:
    message = getattr(event, "message", None)
    message_id = message.id if message is not None else ""
    recipient = getattr(event, "to", None) or ""
    if not message_id:
        digest = hashlib.sha256(json.dumps(event.raw, sort_keys=True).encode()).hexdigest()
        message_id = f"sha256:{digest[:56]}"
    return message_id, event.type, recipient


def our_number(event: MessagingEvent) -> str | None:
    """Our number in an event: the owner of the message (for inbound the recipient number this
    copy is for, for outbound the sender)."""
    message = getattr(event, "message", None)
    return message.owner if message is not None else None


def _initial_outcome(event: MessagingEvent, routed: bool) -> str:
    """What an event needs when it is stored: processing later, or nothing at all."""
    ignored = RawEvent.Outcome.IGNORED
    if isinstance(event, MessageReceived):
        if not routed:
            return RawEvent.Outcome.UNROUTED
        return RawEvent.Outcome.PENDING if event.message.direction == "in" else ignored
    if isinstance(event, MessageStatusEvent):
        if not routed:
            return RawEvent.Outcome.UNROUTED
        return RawEvent.Outcome.PENDING if event.message.direction == "out" else ignored
    return RawEvent.Outcome.IGNORED


_RAW_COLUMNS = (
    "tenant_id",
    "message_id",
    "event_type",
    "recipient",
    "our_number",
    "payload",
    "outcome",
    "error",
    "rejection_reason",
    "received_at",
)
_LIMITED_FIELDS = (
    ("message_id", "message.id"),
    ("event_type", "type"),
    ("recipient", "to"),
    ("our_number", "message.owner"),
)


def _rejected_key(element: RejectedElement) -> tuple[str, str, str]:
    """A rejected element's row key: a hash of the element as delivered (the same element again
    is a duplicate), prefixed so that it never takes the key of a valid event."""
    canonical = json.dumps(element.raw, sort_keys=True, ensure_ascii=True)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"rejected:{digest[:55]}", (element.type or "")[:40], (element.to or "")[:32]


def _unstorable(event: MessagingEvent, values: tuple[str, str, str, str]) -> str:
    """Why a parsed event cannot be stored as a row of its own ('' when it can). One such element
    would fail the whole INSERT, and with it every valid event of the request."""
    for value, (column, name) in zip(values, _LIMITED_FIELDS, strict=True):
        limit = getattr(RawEvent._meta.get_field(column), "max_length", None)
        if limit is not None and len(value) > limit:
            return f"{event.type}.{name} is longer than {limit} characters"
    if not _storable(event.raw):
        return (
            f"{event.type} holds a NUL character or a non-finite number, which the database "
            "cannot store (kept with U+FFFD and null in their place)"
        )
    return ""


def _storable(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    return True


def _cleaned(value: Any) -> Any:
    """``value`` as PostgreSQL can store it: NUL characters become U+FFFD, NaN and infinities
    null (what the database refuses in text and JSONB)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    if isinstance(value, dict):
        return {_cleaned(key): _cleaned(item) for key, item in value.items()}
    return value


def _json_value(value: Any) -> Any:
    """``None`` as JSON null (a bare None is SQL NULL to a JSONField)."""
    return Value(None, output_field=RawEvent._meta.get_field("payload")) if value is None else value


def raw_events_accept(
    *,
    tenant_id: uuid.UUID,
    events: list[MessagingEvent],
    routes: list[bool],
    rejects: Sequence[RejectedElement] = (),
) -> WebhookResult:
    """Stores a webhook's events (already authenticated and routed to ``tenant_id``) with one
    multi-row INSERT ... ON CONFLICT DO NOTHING; the UNIQUE (message id, type, recipient) makes a
    duplicate or replay change nothing. ``routes[i]`` says whether event i's number is owned.

    Processing happens in the drain (a Celery task woken after commit, published at most about
    once a second, and a beat sweep); events for numbers nobody owns are kept as ``unrouted``.
    ``rejects`` (elements that are not well-formed callbacks), and events the database could not
    store as they are, are kept ``rejected`` under ``tenant_id`` with their reason, for staff to
    correct and replay; they never cost the valid events of the same request.
    """
    result = WebhookResult()
    if not events and not rejects:
        return result
    tenant_value = RawEvent._meta.get_field("tenant").get_db_prep_save(tenant_id, connection)
    payload_field = RawEvent._meta.get_field("payload")
    received_field = RawEvent._meta.get_field("received_at")
    now = received_field.get_db_prep_save(timezone.now(), connection)
    rows: list[Any] = []
    pending = False
    rejected = list(rejects)
    for event, routed in zip(events, routes, strict=True):
        message_id, event_type, recipient = _event_key(event)
        number = our_number(event) or ""
        problem = _unstorable(event, (message_id, event_type, recipient, number))
        if problem:
            rejected.append(RejectedElement(index=-1, raw=event.raw, reason=problem))
            continue
        outcome = _initial_outcome(event, routed)
        if outcome == RawEvent.Outcome.UNROUTED:
            result.unrouted += 1
            logger.warning("messaging event %s for unowned number %s", event.type, number)
        pending = pending or outcome == RawEvent.Outcome.PENDING
        rows.extend(
            [
                None if outcome == RawEvent.Outcome.UNROUTED else tenant_value,
                message_id,
                event_type,
                recipient,
                number,
                payload_field.get_db_prep_save(event.raw, connection),
                outcome,
                "",
                "",
                now,
            ]
        )
    for element in rejected:
        message_id, event_type, recipient = _rejected_key(element)
        logger.warning("messaging webhook element rejected: %s", element.reason)
        rows.extend(
            [
                tenant_value,
                _cleaned(message_id),
                _cleaned(event_type),
                _cleaned(recipient),
                _cleaned(element.owner or "")[:32],
                payload_field.get_db_prep_save(_json_value(_cleaned(element.raw)), connection),
                RawEvent.Outcome.REJECTED,
                "",
                _cleaned(element.reason),
                now,
            ]
        )
    count = len(rows) // len(_RAW_COLUMNS)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(_RAW_COLUMNS)) + ")"] * count)
    table = connection.ops.quote_name(RawEvent._meta.db_table)
    # Only constants and placeholders are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(_RAW_COLUMNS)}) VALUES {placeholders} "  # noqa: S608
        "ON CONFLICT DO NOTHING RETURNING outcome"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, rows)
        inserted = [row[0] for row in cursor.fetchall()]
    stored_unrouted = sum(1 for outcome in inserted if outcome == RawEvent.Outcome.UNROUTED)
    result.rejected = sum(1 for outcome in inserted if outcome == RawEvent.Outcome.REJECTED)
    result.stored = len(inserted) - stored_unrouted - result.rejected
    result.duplicates = count - len(inserted)
    if pending and RawEvent.Outcome.PENDING in inserted:
        transaction.on_commit(_wake_drain)
    return result


class _WakeThrottle:
    """This process asks the shared cache to wake the drain at most every WAKE_INTERVAL seconds.
    What lands in between is covered by the drain woken at most 1 s (the flag) + WAKE_INTERVAL
    earlier, which lingers DRAIN_LINGER_SECONDS (more than that) after its last event."""

    def __init__(self) -> None:
        self.next_at = 0.0

    def due(self) -> bool:
        now = time.monotonic()
        if now < self.next_at:
            return False
        self.next_at = now + WAKE_INTERVAL
        return True

    def reset(self) -> None:
        self.next_at = 0.0


wake_throttle = _WakeThrottle()


def _wake_drain() -> None:
    """Publishes the drain task unless one was published in the last second (a flood costs one
    publish a second, not one a request). A lost publish only delays: the beat sweep drains."""
    if not wake_throttle.due() or not cache.add(DRAIN_FLAG, 1, timeout=1):
        return
    from .tasks import drain_raw_events

    try:
        drain_raw_events.delay()
    except Exception:
        cache.delete(DRAIN_FLAG)
        logger.exception("messaging drain task not published; the beat sweep will drain")


def raw_events_drain(*, batch_size: int = DRAIN_BATCH) -> int:
    """Processes pending raw events in batches until none is left; returns how many it handled.
    Drainers share the work (SELECT ... FOR UPDATE SKIP LOCKED); processing is idempotent."""
    handled = 0
    while count := _drain_batch(batch_size):
        handled += count
    return handled


def _drain_slot() -> Lock | None:
    drainers = max(1, int(settings.MESSAGING_DRAINERS))
    names = [f"messaging-drain:{index}" for index in range(drainers)]
    return first_free(names, DRAIN_SLOT_SECONDS)


def _call_for_help() -> None:
    """A full batch: wake one more drainer (at most one publish a second, in all processes)."""
    if int(settings.MESSAGING_DRAINERS) < 2 or not cache.add(DRAIN_HELP, 1, timeout=1):
        return
    from .tasks import drain_raw_events

    try:
        drain_raw_events.delay()
    except Exception:
        logger.exception("no second drainer woken; this one carries on")


def raw_events_drain_woken(*, linger: float = DRAIN_LINGER_SECONDS) -> int:
    """What the drain tasks run. Up to MESSAGING_DRAINERS drainers work at once, each holding a
    slot (a lock from core.locks that expires if its worker dies) and claiming its own batches
    (SKIP LOCKED), so a backlog is shared by as many workers as there are slots: a drainer that
    finds a full batch wakes one more.

    A woken drainer keeps watching for ``linger`` seconds after its last event, so events stored
    while wake-ups are throttled are processed within a poll; a task finding every slot taken
    asks the running drainers to linger on (DRAIN_WANTED) and leaves. The beat sweep passes
    ``linger=0``."""
    slot = _drain_slot()
    if slot is None:
        if linger:
            cache.set(DRAIN_WANTED, 1, DRAIN_SLOT_SECONDS)
        # A drainer may have left between the look and the flag: look once more.
        slot = _drain_slot()
        if slot is None:
            return 0
    handled = 0
    started = quiet_since = time.monotonic()
    try:
        while True:
            if not slot.extend():
                return handled  # the slot expired: another drainer may hold it now
            count = _drain_batch(DRAIN_BATCH)
            handled += count
            now = time.monotonic()
            if count == DRAIN_BATCH:
                _call_for_help()
            if now - started > DRAIN_BUDGET_SECONDS:
                from .tasks import drain_raw_events

                slot.release()
                slot = None
                drain_raw_events.delay()  # hand over, so no task runs forever under a flood
                return handled
            if count or (linger and cache.delete(DRAIN_WANTED)):
                quiet_since = now
                continue
            if now - quiet_since < linger:
                time.sleep(DRAIN_POLL_SECONDS)
                continue
            slot.release()
            slot = None
            # A task that asked for a drainer just before the release gets one again here.
            if not linger or cache.get(DRAIN_WANTED) is None:
                return handled
            slot = _drain_slot()
            if slot is None:
                return handled
            cache.delete(DRAIN_WANTED)
            quiet_since = time.monotonic()
    finally:
        if slot is not None:
            slot.release()


def _drain_batch(batch_size: int) -> int:
    """One batch in one transaction: the rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED
    (other drainers take other rows), and what processing wrote commits together with the rows'
    new outcome, so an event is processed exactly once. A deadlock, a lost connection or a
    drainer killed mid-batch rolls the whole batch back: its events stay pending (and unlocked)
    for another drainer, never marked failed for a transient."""
    try:
        return _drain_batch_once(batch_size)
    except OperationalError:
        logger.warning("messaging drain batch rolled back; its events stay pending", exc_info=True)
        time.sleep(random.uniform(0.05, 0.3))
        return 0


def _drain_batch_once(batch_size: int) -> int:
    unmatched: list[str] = []
    with transaction.atomic():
        rows = list(
            RawEvent.objects.select_for_update(skip_locked=True)
            .filter(outcome=RawEvent.Outcome.PENDING)
            .order_by("id")[:batch_size]
        )
        if not rows:
            return 0
        tenant_ids = {raw.tenant_id for raw in rows if raw.tenant_id is not None}
        tenants = {t.pk: t for t in Tenant.objects.filter(pk__in=tenant_ids)}
        by_outcome: dict[str, list[int]] = {}
        for raw in rows:
            tenant = tenants.get(raw.tenant_id) if raw.tenant_id is not None else None
            outcome, error = _process_stored(tenant, raw)
            if error:
                RawEvent.objects.filter(pk=raw.pk).update(outcome=outcome, error=error)
                continue
            by_outcome.setdefault(outcome, []).append(raw.pk)
            if outcome == RawEvent.Outcome.UNMATCHED:
                unmatched.append(raw.message_id)
        for outcome, pks in by_outcome.items():
            RawEvent.objects.filter(pk__in=pks).update(outcome=outcome)
    # The send's answer may have landed while this batch was open: apply those now.
    for message_id in unmatched:
        status_events_apply_unmatched(message_id=message_id)
    return len(rows)


def _process_stored(tenant: Tenant | None, raw: RawEvent) -> tuple[str, str]:
    if tenant is None:
        return RawEvent.Outcome.UNROUTED, ""
    try:
        event = parse_messaging_callbacks(json.dumps([raw.payload]))[0]
        with transaction.atomic():
            return _process(tenant, event, raw), ""
    except OperationalError:
        raise
    except Exception as exc:
        logger.exception("messaging event %s %s failed", raw.event_type, raw.message_id)
        return RawEvent.Outcome.FAILED, f"{type(exc).__name__}: {exc}"[:2000]


def _process(tenant: Tenant, event: MessagingEvent, raw: RawEvent) -> str:
    if isinstance(event, MessageReceived):
        if event.message.direction != "in":
            return RawEvent.Outcome.IGNORED
        inbound_message_record(tenant=tenant, event=event)
        return RawEvent.Outcome.PROCESSED
    if isinstance(event, MessageStatusEvent):
        if event.message.direction != "out":
            return RawEvent.Outcome.IGNORED
        applied = status_event_apply(tenant=tenant, event=event)
        return RawEvent.Outcome.PROCESSED if applied else RawEvent.Outcome.UNMATCHED
    return RawEvent.Outcome.IGNORED


def raw_event_replay(*, raw_event: RawEvent) -> str:
    """Processes a stored event again (the admin's replay); processing is idempotent."""
    from numbers.routing import route_for

    if raw_event.outcome == RawEvent.Outcome.REJECTED:
        return _rejected_replay(raw_event_id=raw_event.pk)
    events = parse_messaging_callbacks(json.dumps([raw_event.payload]))
    event = events[0]
    if raw_event.tenant_id is not None:
        # It was routed when it arrived: it stays that tenant's even if the number moved since.
        tenant = Tenant.objects.get(pk=raw_event.tenant_id)
    else:
        number = our_number(event)
        route = route_for(number) if number else None
        if route is None:
            return "unrouted"
        tenant = Tenant.objects.get(pk=route.tenant_id)
    with transaction.atomic():
        outcome = _process(tenant, event, raw_event)
        RawEvent.objects.filter(pk=raw_event.pk).update(
            outcome=outcome, error="", replayed_at=timezone.now(), tenant=tenant
        )
    return outcome


@transaction.atomic
def _rejected_replay(*, raw_event_id: int) -> str:
    """A rejected element read again (after a parser fix or a staff correction). Once it reads,
    it is routed as the webhook would have (its number may only belong to the tenant whose
    credentials delivered it) and processed now; the row lock makes concurrent replays process it
    once. Still unreadable, it stays rejected with the new reason."""
    from numbers.routing import route_for

    raw = RawEvent.objects.select_for_update().get(pk=raw_event_id)
    if raw.outcome != RawEvent.Outcome.REJECTED:
        return raw_event_replay(raw_event=raw)
    now = timezone.now()
    parsed = parse_messaging_elements(json.dumps([raw.payload]))
    if parsed.rejects:
        reason = parsed.rejects[0].reason
        RawEvent.objects.filter(pk=raw.pk).update(rejection_reason=reason, replayed_at=now)
        return RawEvent.Outcome.REJECTED
    event = parsed.events[0]
    number = our_number(event) or ""
    route = route_for(number) if number else None
    if route is not None and route.tenant_id != raw.tenant_id:
        reason = f"{number} belongs to another tenant than the one whose credentials delivered it"
        RawEvent.objects.filter(pk=raw.pk).update(rejection_reason=reason, replayed_at=now)
        return RawEvent.Outcome.REJECTED
    outcome = _initial_outcome(event, route is not None)
    if outcome == RawEvent.Outcome.PENDING and raw.tenant is not None:
        outcome = _process(raw.tenant, event, raw)
    RawEvent.objects.filter(pk=raw.pk).update(
        outcome=outcome,
        error="",
        replayed_at=now,
        our_number=number[:32],
        tenant=None if outcome == RawEvent.Outcome.UNROUTED else raw.tenant_id,
    )
    return outcome


@transaction.atomic
def raw_event_correct(*, raw_event: RawEvent, payload: Any) -> RawEvent:
    """Staff's correction of a rejected element's payload (the admin); replay it afterwards.
    Only rejected rows can be corrected: every other row is what Bandwidth sent."""
    raw = RawEvent.objects.select_for_update().get(pk=raw_event.pk)
    if raw.outcome != RawEvent.Outcome.REJECTED:
        raise ParleyError("Only a rejected event can be corrected.", field="payload")
    if not isinstance(payload, dict):
        raise ParleyError("The payload must be a JSON object.", field="payload")
    if not _storable(payload):
        raise ParleyError(
            "The payload holds a NUL character or a non-finite number.", field="payload"
        )
    RawEvent.objects.filter(pk=raw.pk).update(payload=payload)
    raw.payload = payload
    return raw


def raw_events_purge() -> int:
    days = int(settings.MESSAGING_RAW_EVENT_RETENTION_DAYS)
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = RawEvent.objects.filter(received_at__lt=cutoff).delete()
    return deleted


def inbound_message_record(*, tenant: Tenant, event: MessageReceived) -> tuple[Message, bool]:
    """An inbound message: its contacts and conversation (threaded by the set of participants),
    stored once per Bandwidth id; keywords handled; media fetched by a task."""
    data = event.message
    owner = data.owner
    phone_number = (
        PhoneNumber.objects.for_tenant(tenant)
        .filter(number=owner, status=PhoneNumber.Status.ACTIVE)
        .first()
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
        from .tasks import fetch_media

        transaction.on_commit(lambda: [fetch_media.delay(pk) for pk in media_ids])
    _touch_conversation(conversation, message, unread=True)
    # A keyword counts in a group too; the confirmation goes to the sender alone.
    _handle_keyword(tenant, phone_number, message)
    return message, True


def _handle_keyword(tenant: Tenant, phone_number: PhoneNumber, message: Message) -> None:
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
            return  # one confirmation: a repeated STOP changes nothing and gets no reply
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
        return
    if not tenant.is_active:
        logger.info("tenant %s suspended: no automatic reply to %s", tenant.pk, word)
        return
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
    if Message.RANK[overall] > Message.RANK[message.status]:
        message.status = overall
        stamp_field = f"{overall}_at"
        if getattr(message, stamp_field, None) is None:
            setattr(message, stamp_field, stamp)
    if new == "failed":
        message.error_code = event.error_code
        message.error_description = codes.meaning(event.error_code, event.description)[:300]
    message.save()
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


# --- media ----------------------------------------------------------------------------------


def media_fetch(*, media_id: int) -> str:
    """Copies inbound MMS media into Django storage, only from this account's media path on the
    configured messaging host, with credentials and size and type limits."""
    item = Media.objects.select_related("message", "tenant").get(pk=media_id)
    if item.status != Media.Status.PENDING:
        return item.status
    client = client_for_tenant(item.tenant)
    bandwidth_media_id = media_id_from_url(
        item.source_url,
        messaging_base_url=settings.BANDWIDTH_MESSAGING_BASE_URL,
        account_id=client.credentials.account_id,
    )
    if bandwidth_media_id is None:
        Media.objects.filter(pk=media_id).update(
            status=Media.Status.FAILED, error="Refused: not on the Bandwidth media path."
        )
        logger.warning("media %s refused: %s is outside the media path", media_id, item.source_url)
        return Media.Status.FAILED
    max_bytes = int(settings.MESSAGING_MAX_INBOUND_MEDIA_BYTES)
    # Bandwidth's errors propagate: the task's retry policy retries or calls media_fetch_failed.
    content, content_type = client.messaging.download_media(bandwidth_media_id, max_bytes=max_bytes)
    content_type = content_type.split(";")[0].strip().lower()
    if content_type not in MEDIA_TYPES and content_type != "application/octet-stream":
        Media.objects.filter(pk=media_id).update(
            status=Media.Status.FAILED, error=f"Refused type {content_type}."
        )
        return Media.Status.FAILED
    name = bandwidth_media_id.rsplit("/", 1)[-1] or "media"
    with transaction.atomic():
        locked = Media.objects.select_for_update().get(pk=media_id)
        if locked.status != Media.Status.PENDING:
            return locked.status
        locked.file.save(name, ContentFile(content), save=False)
        locked.content_type = content_type
        locked.size = len(content)
        locked.status = Media.Status.STORED
        locked.save()
    return Media.Status.STORED


@transaction.atomic
def media_fetch_failed(*, media_id: int, reason: str) -> None:
    """Bandwidth refused the media, or kept failing past the retry horizon: keep the reason."""
    Media.objects.filter(pk=media_id, status=Media.Status.PENDING).update(
        status=Media.Status.FAILED, error=reason[:300]
    )
