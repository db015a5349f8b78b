"""Every write of messaging, by concern: policy, conversations and opt-outs, sending, dispatch,
inbound events and their drain, received messages and statuses, media."""

from .conversations import (
    _contact_for,
    contact_opt_in,
    contact_opt_out,
    contact_update,
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
from .team import (
    after_hours_reply_update,
    canned_reply_delete,
    canned_reply_save,
    note_add,
)

__all__ = [
    "MAX_MEDIA_URL",
    "MAX_RECIPIENTS",
    "MAX_TEXT",
    "_contact_for",
    "_mark_accepted",
    "after_hours_reply_update",
    "canned_reply_delete",
    "canned_reply_save",
    "contact_opt_in",
    "contact_opt_out",
    "contact_update",
    "conversation_assign",
    "conversation_mark_read",
    "conversation_set_status",
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
    "note_add",
    "our_number",
    "raw_event_correct",
    "raw_event_replay",
    "raw_events_accept",
    "raw_events_drain",
    "raw_events_drain_woken",
    "raw_events_purge",
    "reconcile_delay",
    "wake_throttle",
]
