"""What voice reports to the tenant's webhook endpoints (integrations' outbox), inside the
transaction of the change."""

from __future__ import annotations

from integrations.services import event_record, event_time

from ..models import Call, Recording, Voicemail


def _call_data(call: Call) -> dict[str, object]:
    return {
        "call_id": call.pk,
        "direction": call.direction,
        "our_number": call.our_number,
        "other_party": call.other_party,
    }


def report_call_started(call: Call) -> None:
    event_record(
        tenant_id=call.tenant_id,
        type="call.started",
        data={**_call_data(call), "started_at": event_time(call.started_at)},
    )


def report_call_completed(call: Call) -> None:
    event_record(
        tenant_id=call.tenant_id,
        type="call.completed",
        data={
            **_call_data(call),
            "outcome": call.status,
            "cause": call.cause,
            "duration_seconds": call.duration,
            "ended_at": event_time(call.ended_at),
        },
    )


def report_voicemail(recording: Recording) -> None:
    """A voicemail is reported once its transcription is settled (text, or an error)."""
    voicemail = Voicemail.objects.filter(recording=recording).select_related("call").first()
    if voicemail is None:
        return
    available = recording.transcription_status == Recording.TranscriptionStatus.AVAILABLE
    event_record(
        tenant_id=voicemail.tenant_id,
        type="voicemail.created",
        data={
            "voicemail_id": voicemail.pk,
            "call_id": voicemail.call_id,
            "caller": voicemail.call.other_party,
            "our_number": voicemail.call.our_number,
            "duration_seconds": recording.duration,
            "transcription": recording.transcription_text if available else None,
            "transcription_status": "available" if available else "error",
        },
    )
