"""Contacts, conversations, messages, media, the opt-out ledger and raw Bandwidth events."""

from __future__ import annotations

from numbers.models import PhoneNumber
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenants.models import ApiToken, Membership, Tenant, TenantOwnedModel

DEFAULT_HELP_TEXT = "Reply STOP to opt out. Message and data rates may apply."
DEFAULT_OPT_OUT_TEXT = (
    "You have been unsubscribed and will receive no more messages. Reply START to resubscribe."
)
DEFAULT_OPT_IN_TEXT = "You have been resubscribed. Reply STOP to opt out, HELP for help."


def default_countries() -> list[str]:
    """The default of a field that moved to tenants.OutboundPolicy; migration 0001 names it."""
    return ["US", "CA"]


class MessagingPolicy(TenantOwnedModel):
    """One tenant's messaging settings; created with defaults the first time it is needed.
    Where texts may go is the tenant's ``tenants.OutboundPolicy``, shared with calls."""

    help_text = models.CharField(max_length=300, default=DEFAULT_HELP_TEXT)
    opt_out_text = models.CharField(max_length=300, default=DEFAULT_OPT_OUT_TEXT)
    opt_in_text = models.CharField(max_length=300, default=DEFAULT_OPT_IN_TEXT)
    daily_segment_cap = models.PositiveIntegerField(
        default=2000,
        help_text="Most outbound segments (per recipient) per day, in the tenant's time zone.",
    )
    local_segments_per_second = models.FloatField(default=1.0)
    toll_free_segments_per_second = models.FloatField(default=3.0)
    tenant_segments_per_second = models.FloatField(
        default=10.0, help_text="All of this tenant's numbers together."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="messagingpolicy_one")]

    def __str__(self) -> str:
        return f"messaging policy of {self.tenant_id}"

    def rate_for(self, kind: str) -> float:
        if kind == PhoneNumber.Kind.TOLL_FREE:
            return self.toll_free_segments_per_second
        return self.local_segments_per_second


class Tag(TenantOwnedModel):
    """A label a tenant puts on contacts and conversations, to filter lists and aim broadcasts."""

    name = models.CharField(max_length=40)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


class Contact(TenantOwnedModel):
    number = models.CharField(max_length=16, help_text="E.164")
    name = models.CharField(max_length=120, blank=True)
    notes = models.TextField(blank=True)
    opted_out = models.BooleanField(default=False)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    opted_in_at = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="contact_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})" if self.name else self.number

    @property
    def label(self) -> str:
        return self.name or self.number


class Conversation(TenantOwnedModel):
    """Our number and the set of other participants: one for 1:1, up to nine for a group."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    phone_number = models.ForeignKey(
        PhoneNumber, on_delete=models.PROTECT, related_name="conversations"
    )
    participants = models.JSONField(default=list)
    participants_key = models.CharField(max_length=200)
    contacts = models.ManyToManyField(Contact, related_name="conversations")
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_message_preview = models.CharField(max_length=120, blank=True)
    unread_count = models.PositiveIntegerField(default=0)
    assignee = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations")

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "phone_number", "participants_key"],
                name="conversation_unique_participants",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "-last_message_at"], name="conversation_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.phone_number_id} ↔ {self.participants_key}"

    @property
    def is_group(self) -> bool:
        return len(self.participants) > 1


class Message(TenantOwnedModel):
    class Direction(models.TextChoices):
        IN = "in", "Inbound"
        OUT = "out", "Outbound"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        RECEIVED = "received", "Received"
        CANCELED = "canceled", "Canceled"

    class Encoding(models.TextChoices):
        GSM7 = "GSM-7", "GSM-7"
        UCS2 = "UCS-2", "UCS-2"

    RANK: ClassVar[dict[str, int]] = {
        "queued": 0,
        "sending": 1,
        "sent": 2,
        "delivered": 3,
        "failed": 3,
        "received": 3,
        "canceled": 3,
    }
    TERMINAL = ("delivered", "failed", "received", "canceled")

    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,  # message_thread_recent starts with it
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    from_number = models.CharField(max_length=16)
    to = models.JSONField(default=list)
    recipient_count = models.PositiveSmallIntegerField(default=1)
    text = models.TextField(blank=True)
    segment_count = models.PositiveSmallIntegerField(default=1)
    encoding = models.CharField(max_length=5, choices=Encoding.choices, default=Encoding.GSM7)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.QUEUED)
    recipient_status = models.JSONField(
        default=dict, blank=True, help_text="Per recipient: status and error code."
    )
    bandwidth_id = models.CharField(max_length=64, blank=True)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    error_description = models.CharField(max_length=300, blank=True)
    tag = models.CharField(max_length=1024, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_by_token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    auto_reply = models.BooleanField(default=False)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    dispatch_claimed_at = models.DateTimeField(null=True, blank=True)
    dispatch_attempts = models.PositiveSmallIntegerField(default=0)
    first_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="The first send attempt: retries stop a horizon later."
    )
    in_flight = models.BooleanField(
        default=False, help_text="A send request is (or was, when a worker died) on its way."
    )
    needs_reconciliation = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "direction", "bandwidth_id"],
                condition=~models.Q(bandwidth_id=""),
                name="message_unique_bandwidth_id",
            )
        ]
        indexes = [
            models.Index(
                fields=["conversation", "-created_at", "-id"], name="message_thread_recent"
            ),
            models.Index(fields=["status", "created_at"], name="message_status"),
            models.Index(fields=["tenant", "direction", "created_at"], name="message_volume"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.from_number} → {','.join(self.to)} ({self.status})"

    @property
    def is_mms(self) -> bool:
        return len(self.to) > 1 or self.media.exists()

    @property
    def is_editable(self) -> bool:
        return (
            self.status == self.Status.QUEUED
            and self.scheduled_for is not None
            and self.scheduled_for > timezone.now()
        )


class Media(TenantOwnedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        STORED = "stored", "Stored"
        FAILED = "failed", "Failed"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="media")
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="messaging/%Y/%m/", blank=True)
    source_url = models.URLField(max_length=4096, blank=True)
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"media {self.pk} of message {self.message_id}"


class OptOut(TenantOwnedModel):
    """The ledger: every opt-out and opt-in of a number, with what caused it."""

    class Action(models.TextChoices):
        OPT_OUT = "opt_out", "Opted out"
        OPT_IN = "opt_in", "Opted in"

    class Source(models.TextChoices):
        KEYWORD = "keyword", "Keyword from the contact"
        CARRIER = "carrier", "Carrier opt-out error"
        AGENT = "agent", "Agent"
        API = "api", "API"
        ADMIN = "admin", "Admin"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="opt_events")
    number = models.CharField(max_length=16)
    action = models.CharField(max_length=7, choices=Action.choices)
    keyword = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=7, choices=Source.choices)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.action} ({self.source})"


class DailySegmentUsage(TenantOwnedModel):
    """Outbound segments (per recipient) a tenant has used on one day of its own time zone.

    The daily cap is enforced on this small row alone, with one conditional UPDATE, so sends of
    a tenant never wait on each other for longer than that statement's transaction.
    """

    day = models.DateField(help_text="The date in the tenant's time zone.")
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "day"], name="dailysegmentusage_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.used} segments on {self.day} for {self.tenant_id}"


class RawEvent(models.Model):
    """Every messaging callback element as received, stored once per (message id, type, to).

    The webhook only stores rows (``pending`` when they need processing); the drain task
    processes them. The tenant is empty when no tenant owns the number. Rows are kept for
    MESSAGING_RAW_EVENT_RETENTION_DAYS and can be replayed from the admin.

    An element that is not a well-formed callback is kept ``rejected`` with its reason, under
    the tenant whose credentials delivered it. Its key is ``rejected:`` + a hash of the element,
    so it never takes a valid event's (message id, type, to) and the same element delivered again
    stores nothing; staff can correct its payload in the admin and replay it.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", "Waiting to be processed"
        PROCESSED = "processed", "Processed"
        UNROUTED = "unrouted", "No tenant owns the number"
        IGNORED = "ignored", "Ignored type"
        FAILED = "failed", "Processing failed"
        UNMATCHED = "unmatched", "Status for a message not known yet"
        REJECTED = "rejected", "Rejected: not a well-formed callback"
        BLOCKED = "blocked", "From a blocked number: recorded only"

    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    message_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=40)
    recipient = models.CharField(max_length=32)
    our_number = models.CharField(max_length=32, blank=True)
    payload = models.JSONField()
    outcome = models.CharField(max_length=9, choices=Outcome.choices, default=Outcome.PROCESSED)
    error = models.TextField(blank=True)
    rejection_reason = models.TextField(
        blank=True,
        default="",
        db_default="",
        help_text="Why the element was rejected; kept after a successful replay.",
    )
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    replayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id", "event_type", "recipient"], name="rawevent_unique_event"
            )
        ]
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(outcome="pending"), name="rawevent_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id} → {self.recipient}"


class Note(TenantOwnedModel):
    """An internal note in a conversation: seen by the team, never sent. A row of its own, not a
    Message, so no send, dispatch or reconcile path can ever pick it up."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=2000)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="note_thread")]

    def __str__(self) -> str:
        return f"note {self.pk} in conversation {self.conversation_id}"


class CannedReply(TenantOwnedModel):
    """A saved reply the composer can insert; ``{first_name}``-style variables are filled from
    the conversation's contact (``messaging.canned.render``)."""

    title = models.CharField(max_length=80)
    body = models.TextField(max_length=1000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "title"], name="cannedreply_unique_title")
        ]

    def __str__(self) -> str:
        return self.title


class AfterHoursReply(TenantOwnedModel):
    """An after-hours text: sent to a contact who texts outside the business hours, once per
    contact per closed period (``AfterHoursReplySent``). The row without a number is the
    tenant's default; a number's own row replaces it for that number, and a disabled one means
    no after-hours text on that number."""

    phone_number = models.ForeignKey(
        PhoneNumber,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The number this text is for; empty for the tenant's default.",
    )
    enabled = models.BooleanField(default=False)
    text = models.CharField(max_length=480, blank=True)
    hours = models.JSONField(
        default=dict,
        blank=True,
        help_text='Open hours per day in the tenant\'s time zone: {"mon": [["09:00", "17:00"]]}.',
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(phone_number__isnull=True),
                name="afterhoursreply_one_default",
            ),
            models.UniqueConstraint(
                fields=["tenant", "phone_number"], name="afterhoursreply_one_per_number"
            ),
        ]

    def __str__(self) -> str:
        if self.phone_number_id is None:
            return f"after-hours reply of {self.tenant_id}"
        return f"after-hours reply of {self.tenant_id} on number {self.phone_number_id}"


class AfterHoursReplySent(TenantOwnedModel):
    """One row per contact, closed period and after-hours text (the tenant's default, or a
    number's own): the UNIQUE constraints make each reply once."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    phone_number = models.ForeignKey(
        PhoneNumber,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The number whose own text was sent; empty for the tenant's default.",
    )
    window = models.CharField(max_length=40, help_text="When the closed period ends (ISO 8601).")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "window"],
                condition=models.Q(phone_number__isnull=True),
                name="afterhourssent_once_default",
            ),
            models.UniqueConstraint(
                fields=["contact", "phone_number", "window"],
                condition=models.Q(phone_number__isnull=False),
                name="afterhourssent_once_per_number",
            ),
        ]

    def __str__(self) -> str:
        return f"after-hours reply to {self.contact_id} for {self.window}"


class ContactImport(TenantOwnedModel):
    """A CSV of contacts: checked whole for a preview, then written in one transaction (a task
    for large files). ``errors`` lists every refused row as {"line", "number", "error"}; the
    contacts of the file's good rows are kept in ``contacts``, so a broadcast can text the list."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "Waiting for confirmation"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        DISCARDED = "discarded", "Discarded"

    class Duplicates(models.TextChoices):
        SKIP = "skip", "Keep existing contacts as they are"
        UPDATE = "update", "Update existing contacts from the file"

    filename = models.CharField(max_length=200, blank=True)
    content = models.TextField(help_text="The file as uploaded (UTF-8), until it is imported.")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PREVIEW)
    duplicates = models.CharField(max_length=6, choices=Duplicates.choices, default=Duplicates.SKIP)
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    failure = models.CharField(max_length=300, blank=True)
    contacts = models.ManyToManyField(Contact, blank=True, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.filename}, {self.status})"

    @property
    def label(self) -> str:
        return (
            f"{self.filename or 'CSV'} ({self.created_at:%Y-%m-%d %H:%M}, {self.valid_rows} rows)"
        )


class Broadcast(TenantOwnedModel):
    """One text to many contacts (a tag or an imported list), each as its own message in the
    recipient's own conversation, fed to dispatch at the sending numbers' carrier rate."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        PAUSED = "paused", "Paused"
        CANCELED = "canceled", "Canceled"
        DONE = "done", "Sent"

    name = models.CharField(max_length=120)
    text = models.TextField()
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    contact_import = models.ForeignKey(
        ContactImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone_numbers = models.ManyToManyField(PhoneNumber, related_name="+")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.SCHEDULED)
    send_at = models.DateTimeField(null=True, blank=True)
    segment_count = models.PositiveSmallIntegerField(default=1)
    rate_per_second = models.FloatField(
        default=1.0, help_text="Segments per second of all its numbers together (for the ETA)."
    )
    recipient_count = models.PositiveIntegerField(default=0)
    skipped_opted_out = models.PositiveIntegerField(default=0)
    skipped_blocked = models.PositiveIntegerField(default=0)
    skipped_not_textable = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    advanced_at = models.DateTimeField(
        null=True, blank=True, help_text="The last time messages were handed to dispatch."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["status", "send_at"],
                condition=models.Q(status__in=["scheduled", "sending"]),
                name="broadcast_active",
            )
        ]

    def __str__(self) -> str:
        return f"broadcast {self.pk} {self.name} ({self.status})"


class BroadcastRecipient(TenantOwnedModel):
    """One contact of a broadcast: waiting, given its message, or skipped (with why)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        QUEUED = "queued", "Message queued"
        SKIPPED = "skipped", "Skipped"
        CANCELED = "canceled", "Canceled"

    class Skip(models.TextChoices):
        OPTED_OUT = "opted_out", "Opted out"
        BLOCKED = "blocked", "Blocked"
        NOT_TEXTABLE = "not_textable", "Cannot receive texts"
        REFUSED = "refused", "Refused by a check"

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey(Contact, null=True, on_delete=models.SET_NULL, related_name="+")
    number = models.CharField(max_length=16)
    phone_number = models.ForeignKey(PhoneNumber, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    skip_reason = models.CharField(max_length=12, choices=Skip.choices, blank=True)
    skip_detail = models.CharField(max_length=300, blank=True)
    message = models.OneToOneField(
        Message,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="broadcast_recipient",
    )
    slot_at = models.DateTimeField(
        null=True, blank=True, help_text="When its number's rate lets its message go."
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["broadcast", "number"], name="broadcastrecipient_unique_number"
            )
        ]
        indexes = [
            models.Index(
                fields=["broadcast", "phone_number", "id"],
                condition=models.Q(status="pending"),
                name="broadcastrecipient_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} of broadcast {self.broadcast_id} ({self.status})"
