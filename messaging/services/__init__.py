"""Every write of messaging, by concern: policy, conversations and opt-outs, sending, dispatch,
inbound events and their drain, received messages and statuses, media."""

from .broadcasts import (
    broadcast_advance,
    broadcast_cancel,
    broadcast_create,
    broadcast_pause,
    broadcast_resume,
    broadcasts_due,
    recipients_not_textable,
)
from .contacts import (
    contact_create,
    contact_delete,
    contact_update,
    conversation_set_tags,
    tag_delete,
)
from .conversations import (
    _contact_for,
    contact_opt_in,
    contact_opt_out,
    conversation_assign,
    conversation_mark_read,
    conversation_set_status,
)
from .dispatch import (
    _mark_accepted,
    message_dispatch,
    message_reconcile,
    messages_due,
    messages_needing_reconciliation,
    reconcile_delay,
)
from .drain import (
    raw_event_correct,
    raw_event_replay,
    raw_events_drain,
    raw_events_drain_woken,
    raw_events_purge,
)
from .imports import (
    contact_import_discard,
    contact_import_preview,
    contact_import_progress,
    contact_import_run,
    contact_import_start,
    contacts_csv_export,
)
from .inbound import our_number, raw_events_accept, wake_throttle
from .media import media_fetch, media_fetch_failed
from .policy import messaging_policy_get, messaging_policy_update
from .sending import (
    MAX_MEDIA_URL,
    MAX_RECIPIENTS,
    MAX_TEXT,
    message_cancel,
    message_reschedule,
    message_resend,
    message_send,
)

__all__ = [
    "MAX_MEDIA_URL",
    "MAX_RECIPIENTS",
    "MAX_TEXT",
    "_contact_for",
    "_mark_accepted",
    "broadcast_advance",
    "broadcast_cancel",
    "broadcast_create",
    "broadcast_pause",
    "broadcast_resume",
    "broadcasts_due",
    "contact_create",
    "contact_delete",
    "contact_import_discard",
    "contact_import_preview",
    "contact_import_progress",
    "contact_import_run",
    "contact_import_start",
    "contact_opt_in",
    "contact_opt_out",
    "contact_update",
    "contacts_csv_export",
    "conversation_assign",
    "conversation_mark_read",
    "conversation_set_status",
    "conversation_set_tags",
    "media_fetch",
    "media_fetch_failed",
    "message_cancel",
    "message_dispatch",
    "message_reconcile",
    "message_reschedule",
    "message_resend",
    "message_send",
    "messages_due",
    "messages_needing_reconciliation",
    "messaging_policy_get",
    "messaging_policy_update",
    "our_number",
    "raw_event_correct",
    "raw_event_replay",
    "raw_events_accept",
    "raw_events_drain",
    "raw_events_drain_woken",
    "raw_events_purge",
    "recipients_not_textable",
    "reconcile_delay",
    "tag_delete",
    "wake_throttle",
]
