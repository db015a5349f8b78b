from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from bandwidth.errors import BandwidthError
from tenants.errors import ParleyError

from . import services
from .models import (
    AfterHoursReply,
    Broadcast,
    CannedReply,
    Contact,
    ContactImport,
    Conversation,
    Media,
    Message,
    MessagingPolicy,
    Note,
    OptOut,
    RawEvent,
    Tag,
)


class MediaInline(admin.TabularInline):
    model = Media
    extra = 0
    fields = ["content_type", "size", "status", "source_url", "file", "error"]
    readonly_fields = fields


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "tenant",
        "direction",
        "from_number",
        "to",
        "status",
        "error_code",
        "needs_reconciliation",
        "created_at",
    ]
    list_filter = ["status", "direction", "needs_reconciliation", "auto_reply", "tenant"]
    search_fields = ["bandwidth_id", "from_number", "text", "tag"]
    raw_id_fields = ["conversation", "sent_by", "sent_by_token"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MediaInline]
    actions = ["resend", "reconcile_now"]

    @admin.action(description="Send the selected failed messages again")
    def resend(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        sent = 0
        for message in queryset.select_related("tenant"):
            try:
                services.message_resend(message=message, sent_by=request.user)
                sent += 1
            except ParleyError as exc:
                self.message_user(request, f"Message {message.pk}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{sent} message(s) queued again.", messages.SUCCESS)

    @admin.action(description="Reconcile now with Bandwidth's message list")
    def reconcile_now(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        for message in queryset:
            try:
                state = services.message_reconcile(message_id=message.pk)
            except BandwidthError as exc:
                state = f"Bandwidth did not answer the list ({exc})"
            self.message_user(request, f"Message {message.pk}: {state}.")


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "tenant", "phone_number", "participants_key", "status", "unread_count"]
    list_filter = ["status", "tenant"]
    search_fields = ["participants_key"]
    raw_id_fields = ["phone_number", "assignee", "contacts", "tags"]


@admin.register(RawEvent)
class RawEventAdmin(admin.ModelAdmin):
    """Every stored callback element. A rejected one shows its reason and its payload as it came;
    staff may correct that payload (only there) and then replay it."""

    list_display = [
        "received_at",
        "event_type",
        "message_id",
        "recipient",
        "tenant",
        "outcome",
        "rejection_reason",
    ]
    list_filter = ["outcome", "event_type", "tenant"]
    search_fields = ["message_id", "recipient", "our_number", "rejection_reason"]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: RawEvent | None = None) -> list[str]:
        fields = [f.name for f in RawEvent._meta.fields]
        if obj is not None and obj.outcome == RawEvent.Outcome.REJECTED:
            fields.remove("payload")
        return fields

    def save_model(self, request: HttpRequest, obj: RawEvent, form: Any, change: bool) -> None:
        if "payload" not in form.changed_data:
            return
        try:
            services.raw_event_correct(raw_event=obj, payload=form.cleaned_data["payload"])
        except ParleyError as exc:
            self.message_user(request, f"Event {obj.pk}: {exc.message}", messages.ERROR)

    @admin.action(description="Replay the selected events")
    def replay(self, request: HttpRequest, queryset: QuerySet[RawEvent]) -> None:
        for event in queryset:
            try:
                outcome = services.raw_event_replay(raw_event=event)
            except ParleyError as exc:
                self.message_user(request, f"Event {event.pk}: {exc.message}", messages.ERROR)
                continue
            self.message_user(request, f"Event {event.pk}: {outcome}.")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "tenant", "opted_out", "opted_out_at"]
    list_filter = ["opted_out", "tenant"]
    search_fields = ["number", "name"]
    raw_id_fields = ["tags"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "created_at"]
    list_filter = ["tenant"]
    search_fields = ["name"]


@admin.register(ContactImport)
class ContactImportAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "tenant",
        "filename",
        "status",
        "total_rows",
        "valid_rows",
        "created_count",
        "created_at",
    ]
    list_filter = ["status", "tenant"]
    exclude = ["content", "contacts"]
    readonly_fields = ["errors", "created_by", "tag"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    """Broadcasts as their tenants made them; staff pause or cancel them with the services."""

    list_display = ["id", "tenant", "name", "status", "recipient_count", "created_at"]
    list_filter = ["status", "tenant"]
    search_fields = ["name", "text"]
    raw_id_fields = ["tag", "contact_import", "phone_numbers", "created_by", "created_by_token"]
    readonly_fields = ["status", "started_at", "advanced_at", "finished_at", "canceled_at"]
    actions = ["pause", "cancel"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Pause the selected broadcasts")
    def pause(self, request: HttpRequest, queryset: QuerySet[Broadcast]) -> None:
        for broadcast in queryset:
            try:
                services.broadcast_pause(broadcast=broadcast)
            except ParleyError as exc:
                self.message_user(request, f"{broadcast}: {exc.message}", messages.ERROR)

    @admin.action(description="Cancel the selected broadcasts")
    def cancel(self, request: HttpRequest, queryset: QuerySet[Broadcast]) -> None:
        for broadcast in queryset:
            try:
                services.broadcast_cancel(broadcast=broadcast)
            except ParleyError as exc:
                self.message_user(request, f"{broadcast}: {exc.message}", messages.ERROR)


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ["number", "action", "source", "keyword", "tenant", "created_at"]
    list_filter = ["action", "source", "tenant"]
    search_fields = ["number"]
    raw_id_fields = ["contact", "message"]


@admin.register(MessagingPolicy)
class MessagingPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "tenant",
        "daily_segment_cap",
        "local_segments_per_second",
        "toll_free_segments_per_second",
        "tenant_segments_per_second",
    ]


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["id", "tenant", "conversation", "author", "created_at"]
    list_filter = ["tenant"]
    readonly_fields = ["tenant", "conversation", "author", "text", "created_at"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "tenant", "updated_at"]
    list_filter = ["tenant"]
    search_fields = ["title", "body"]
    readonly_fields = ["tenant", "title", "body", "created_at", "updated_at"]


@admin.register(AfterHoursReply)
class AfterHoursReplyAdmin(admin.ModelAdmin):
    list_display = ["tenant", "phone_number", "enabled", "updated_at"]
    list_filter = ["enabled"]
    list_select_related = ["tenant", "phone_number"]
    readonly_fields = [
        "tenant",
        "phone_number",
        "enabled",
        "text",
        "hours",
        "created_at",
        "updated_at",
    ]
