"""Records notification events from the saves of the apps below (Django's model signals), in
the same transaction, so the apps below know nothing of notifications."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from messaging.models import Conversation, Message
from voice.models import Call, Voicemail

from . import services
from .models import Event


def _message_saved(sender: Any, instance: Message, created: bool, **kwargs: Any) -> None:
    if created and instance.direction == Message.Direction.IN:
        preview = instance.text.strip() or "[media]"
        services.event_record(
            tenant_id=instance.tenant_id,
            kind=Event.Kind.TEXT,
            source_id=instance.pk,
            conversation_id=instance.conversation_id,
            number=instance.from_number,
            preview=preview,
        )


def _call_saved(sender: Any, instance: Call, **kwargs: Any) -> None:
    if instance.direction == Call.Direction.INBOUND and instance.status == Call.Status.NO_ANSWER:
        services.event_record(
            tenant_id=instance.tenant_id,
            kind=Event.Kind.MISSED_CALL,
            source_id=instance.pk,
            conversation_id=services.conversation_of_call(instance),
            number=instance.other_party,
            preview="Missed call",
        )


def _voicemail_saved(sender: Any, instance: Voicemail, created: bool, **kwargs: Any) -> None:
    if created:
        call = instance.call
        services.event_record(
            tenant_id=instance.tenant_id,
            kind=Event.Kind.VOICEMAIL,
            source_id=instance.pk,
            conversation_id=services.conversation_of_call(call),
            number=call.other_party,
            preview="New voicemail",
        )


def _conversation_saved(sender: Any, instance: Conversation, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields") or ()
    if "unread_count" in fields and instance.unread_count == 0:
        services.event_record(
            tenant_id=instance.tenant_id,
            kind=Event.Kind.READ,
            conversation_id=instance.pk,
        )


def connect() -> None:
    post_save.connect(_message_saved, sender=Message, dispatch_uid="notifications-message")
    post_save.connect(_call_saved, sender=Call, dispatch_uid="notifications-call")
    post_save.connect(_voicemail_saved, sender=Voicemail, dispatch_uid="notifications-voicemail")
    post_save.connect(
        _conversation_saved, sender=Conversation, dispatch_uid="notifications-conversation"
    )
