"""What messaging reports to the tenant's webhook endpoints (integrations' outbox), inside the
transaction of the change."""

from __future__ import annotations

from integrations.services import event_record, event_time
from tenants.models import Membership

from ..models import Contact, Conversation, Message


def _message_data(message: Message) -> dict[str, object]:
    return {
        "message_id": message.pk,
        "conversation_id": message.conversation_id,
        "phone_number": message.conversation.phone_number.number,
    }


def report_received(message: Message, media_count: int) -> None:
    event_record(
        tenant_id=message.tenant_id,
        type="message.received",
        data={
            **_message_data(message),
            "from": message.from_number,
            "to": list(message.to),
            "text": message.text,
            "media_count": media_count,
            "received_at": event_time(message.received_at),
        },
    )


def report_status(message: Message, status: str) -> None:
    """``sent`` once the carrier accepted the message, then ``delivered`` or ``failed``."""
    event_record(
        tenant_id=message.tenant_id,
        type="message.status_changed",
        data={
            **_message_data(message),
            "status": status,
            "to": list(message.to),
            "error_code": message.error_code if status == "failed" else None,
            "reason": message.error_description if status == "failed" else "",
        },
    )


def report_assigned(conversation: Conversation, assignee: Membership | None) -> None:
    event_record(
        tenant_id=conversation.tenant_id,
        type="conversation.assigned",
        data={
            "conversation_id": conversation.pk,
            "assignee_membership_id": assignee.pk if assignee else None,
            "assignee_email": assignee.user.email if assignee else None,
        },
    )


def report_opt(contact: Contact, *, opted_out: bool, source: str, keyword: str) -> None:
    event_record(
        tenant_id=contact.tenant_id,
        type="contact.opted_out" if opted_out else "contact.opted_in",
        data={
            "contact_id": contact.pk,
            "number": contact.number,
            "source": source,
            "keyword": keyword,
        },
    )
