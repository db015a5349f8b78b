"""The events an endpoint can receive, each with the JSON schema of its ``data``.

Every payload is ``{"type", "timestamp", "data"}``; ``data`` carries the ids the API fetches
(``/api/v1/messages/{id}/``, ``/calls/{id}/``, ``/voicemails/{id}/``, ``/numbers/{id}/``,
``/conversations/{id}/``, ``/contacts/{id}/``, ``/compliance/campaigns/{id}/``,
``/compliance/toll-free-verifications/{id}/``). The schemas are added to the OpenAPI components
(``add_event_schemas``) and listed in the README.
"""

from __future__ import annotations

from typing import Any

_ID = {"type": "integer", "description": "Fetch it from the API."}
_E164 = {"type": "string", "description": "E.164 phone number", "example": "+19195550101"}
_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}


def _object(description: str, **properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties),
    }


_MESSAGE = {
    "message_id": _ID,
    "conversation_id": _ID,
    "phone_number": _E164,
}

EVENTS: dict[str, dict[str, Any]] = {
    "message.received": _object(
        "A text or MMS arrived on one of the tenant's numbers.",
        **_MESSAGE,
        **{
            "from": _E164,
            "to": {"type": "array", "items": _E164},
            "text": {"type": "string"},
            "media_count": {"type": "integer"},
            "received_at": _NULLABLE_TIME,
        },
    ),
    "message.status_changed": _object(
        "An outbound message moved on: sent (the carrier accepted it), delivered, or failed.",
        **_MESSAGE,
        status={"type": "string", "enum": ["sent", "delivered", "failed"]},
        to={"type": "array", "items": _E164},
        error_code={"type": "integer", "nullable": True},
        reason={"type": "string", "description": "Why it failed, in words; empty otherwise."},
    ),
    "conversation.assigned": _object(
        "A conversation was assigned to a member, or unassigned (assignee null).",
        conversation_id=_ID,
        assignee_membership_id={"type": "integer", "nullable": True},
        assignee_email={"type": "string", "nullable": True},
    ),
    "contact.opted_out": _object(
        "A contact asked to receive no more texts (a STOP keyword, the carrier, or a member).",
        contact_id=_ID,
        number=_E164,
        source={"type": "string"},
        keyword={"type": "string"},
    ),
    "contact.opted_in": _object(
        "A contact who had opted out may be texted again.",
        contact_id=_ID,
        number=_E164,
        source={"type": "string"},
        keyword={"type": "string"},
    ),
    "call.started": _object(
        "An inbound call reached a number, or an outbound (click-to-call) call was placed.",
        call_id=_ID,
        direction={"type": "string", "enum": ["inbound", "outbound"]},
        our_number=_E164,
        other_party=_E164,
        started_at=_NULLABLE_TIME,
    ),
    "call.completed": _object(
        "A call ended.",
        call_id=_ID,
        direction={"type": "string", "enum": ["inbound", "outbound"]},
        our_number=_E164,
        other_party=_E164,
        outcome={
            "type": "string",
            "enum": ["completed", "busy", "no-answer", "failed", "canceled"],
        },
        cause={"type": "string"},
        duration_seconds={"type": "integer"},
        ended_at=_NULLABLE_TIME,
    ),
    "voicemail.created": _object(
        "A caller left a voicemail; sent once its transcription has arrived (or failed).",
        voicemail_id=_ID,
        call_id=_ID,
        caller=_E164,
        our_number=_E164,
        duration_seconds={"type": "number"},
        transcription={"type": "string", "nullable": True},
        transcription_status={"type": "string", "enum": ["available", "error"]},
    ),
    "number.activated": _object(
        "A number the tenant ordered is active.",
        number_id=_ID,
        number=_E164,
        activated_at=_NULLABLE_TIME,
    ),
    "number.released": _object(
        "A number the tenant released is gone.",
        number_id=_ID,
        number=_E164,
        released_at=_NULLABLE_TIME,
    ),
    "number.messaging_status_changed": _object(
        "Whether a number may text changed (its 10DLC campaign or toll-free verification moved, "
        "or a carrier refused a text from it).",
        number_id=_ID,
        number=_E164,
        messaging_status={"type": "string", "enum": ["ready", "pending", "blocked"]},
        reason={"type": "string", "description": "What it waits for, or why it is blocked."},
        action={"type": "string", "description": "What the tenant can do; empty when ready."},
    ),
    "brand.status_changed": _object(
        "The tenant's 10DLC brand moved: submitted (pending), verified or not verified by the "
        "campaign registry. Fetch it from /api/v1/compliance/brand/.",
        brand_id={"type": "string", "description": "Bandwidth's brand id."},
        status={"type": "string", "enum": ["pending", "verified", "unverified"]},
        previous_status={"type": "string", "nullable": True, "description": "Null when new."},
        detail={"type": "string", "description": "What to correct when not verified."},
    ),
    "campaign.status_changed": _object(
        "A 10DLC campaign moved (its overall status, or one carrier's verdict).",
        campaign_id=_ID,
        bandwidth_campaign_id={"type": "string"},
        status={
            "type": "string",
            "enum": ["pending", "approved", "rejected", "suspended", "expired"],
        },
        previous_status={"type": "string", "nullable": True, "description": "Null when new."},
        carrier_statuses={
            "type": "object",
            "description": "Carrier (ATT, TMO, VZW, ...) to REVIEW, APPROVED, REJECTED or "
            "SUSPENDED.",
            "additionalProperties": {"type": "string"},
        },
    ),
    "toll_free_verification.status_changed": _object(
        "A toll-free verification was submitted, resubmitted, verified or denied.",
        verification_id=_ID,
        numbers={"type": "array", "items": _E164},
        status={"type": "string", "enum": ["pending", "verified", "denied"]},
        previous_status={"type": "string", "nullable": True, "description": "Null when new."},
        denial_code={"type": "integer", "nullable": True},
        denial_reason={"type": "string"},
        resubmit_allowed={"type": "boolean"},
        resubmit_deadline=_NULLABLE_TIME,
    ),
}

PING = "ping"
PING_SCHEMA = _object("Sent by the endpoint's test button; nothing happened.", endpoint_id=_ID)

EVENT_TYPES: tuple[str, ...] = tuple(EVENTS)


def component_name(event_type: str) -> str:
    """``message.status_changed`` -> ``MessageStatusChangedEvent``."""
    words = event_type.replace(".", "_").split("_")
    return "".join(word.capitalize() for word in words) + "Event"


def envelope(event_type: str, data_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "description": data_schema["description"],
        "properties": {
            "type": {"type": "string", "enum": [event_type]},
            "timestamp": _TIME,
            "data": data_schema,
        },
        "required": ["type", "timestamp", "data"],
    }


def all_schemas() -> dict[str, dict[str, Any]]:
    schemas = {component_name(name): envelope(name, data) for name, data in EVENTS.items()}
    schemas[component_name(PING)] = envelope(PING, PING_SCHEMA)
    return schemas


def add_event_schemas(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular post-processing hook: every webhook event's schema as a component."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(all_schemas())
    return result
