"""Recordings, transcriptions and voicemail."""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from bandwidth.callbacks import (
    RecordingAvailableEvent,
    TranscriptionAvailableEvent,
    VoiceEvent,
)
from carrier.clients import client_for_tenant

from ..models import Call, Recording, Voicemail
from .events import _enqueue_download, _enqueue_transcription, _record_event
from .outbox import report_voicemail

logger = logging.getLogger(__name__)


def _recording_row(call: Call, event: VoiceEvent) -> tuple[Recording, bool]:
    recording_id = str(event.raw.get("recordingId", ""))
    try:
        with transaction.atomic():
            return Recording.objects.get_or_create(
                bandwidth_recording_id=recording_id,
                defaults={"tenant_id": call.tenant_id, "call": call},
            )
    except IntegrityError:
        return Recording.objects.get(bandwidth_recording_id=recording_id), False


def _apply_recording_facts(recording: Recording, event: VoiceEvent) -> None:
    seconds = getattr(event, "duration_seconds", None)
    if seconds is not None:
        recording.duration = seconds
    file_format = getattr(event, "file_format", None)
    if file_format:
        recording.file_format = file_format[:8]


@transaction.atomic
def recording_store(*, call: Call, event: VoiceEvent, kind: str, step: str) -> Recording | None:
    """recordComplete / recordingAvailable: the Recording (once), its voicemail, its media."""
    if not _record_event(call, event, step, f"{kind} recording"):
        return None
    recording, _ = _recording_row(call, event)
    recording = Recording.objects.select_for_update().get(pk=recording.pk)
    if recording.call_id != call.pk:
        return None
    _apply_recording_facts(recording, event)
    if kind == "voicemail" and recording.transcription_status == Recording.TranscriptionStatus.NONE:
        recording.transcription_status = Recording.TranscriptionStatus.PROCESSING
    recording.save()
    if kind == "voicemail":
        Voicemail.objects.get_or_create(
            call=call, defaults={"tenant_id": call.tenant_id, "recording": recording}
        )
    if isinstance(event, RecordingAvailableEvent) and not recording.media_file:
        recording_pk = recording.pk
        transaction.on_commit(lambda: _enqueue_download(recording_pk))
    return recording


@transaction.atomic
def recording_transcription_ready(
    *, call: Call, event: TranscriptionAvailableEvent, step: str
) -> Recording | None:
    if not _record_event(call, event, step, "transcription ready"):
        return None
    recording, _ = _recording_row(call, event)
    if recording.call_id != call.pk:
        return None
    status = (event.transcription.status if event.transcription else None) or "available"
    if status != "available":
        settled = recording.transcription_status != Recording.TranscriptionStatus.ERROR
        recording.transcription_status = Recording.TranscriptionStatus.ERROR
        recording.save(update_fields=["transcription_status", "updated_at"])
        if settled:
            report_voicemail(recording)
        return recording
    recording_pk = recording.pk
    transaction.on_commit(lambda: _enqueue_transcription(recording_pk))
    return recording


@transaction.atomic
def recording_download(*, recording: Recording) -> Recording:
    """Fetch the recording's media from Bandwidth (with the tenant's credentials) and keep it."""
    recording = (
        Recording.objects.select_for_update().select_related("call", "tenant").get(pk=recording.pk)
    )
    if recording.media_file:
        return recording
    call = recording.call
    # Bandwidth's errors propagate: the task's retry policy retries or calls
    # recording_download_failed.
    content, content_type = client_for_tenant(recording.tenant).voice.download_recording(
        call.bandwidth_call_id or "", recording.bandwidth_recording_id
    )
    extension = "mp3" if "mpeg" in content_type else "wav"
    recording.media_file.save(
        f"{recording.bandwidth_recording_id}.{extension}", ContentFile(content), save=False
    )
    recording.file_format = recording.file_format or extension
    recording.media_downloaded_at = timezone.now()
    recording.download_error = ""
    recording.save()
    return recording


@transaction.atomic
def recording_fetch_transcription(*, recording: Recording) -> Recording:
    recording = (
        Recording.objects.select_for_update().select_related("call", "tenant").get(pk=recording.pk)
    )
    if recording.transcription_status == Recording.TranscriptionStatus.AVAILABLE:
        return recording
    # Bandwidth's errors propagate, as for the download.
    transcription = client_for_tenant(recording.tenant).voice.get_transcription(
        recording.call.bandwidth_call_id or "", recording.bandwidth_recording_id
    )
    recording.transcription_text = transcription.text
    recording.transcription_status = Recording.TranscriptionStatus.AVAILABLE
    recording.save(update_fields=["transcription_text", "transcription_status", "updated_at"])
    report_voicemail(recording)
    return recording


@transaction.atomic
def recording_download_failed(*, recording_id: int, reason: str) -> None:
    """The media could not be fetched (a refusal, or the retry horizon passed): keep the reason;
    the reconciler leaves recordings with an error alone."""
    Recording.objects.filter(pk=recording_id, media_file="").update(
        download_error=reason[:300], updated_at=timezone.now()
    )


@transaction.atomic
def recording_transcription_failed(*, recording_id: int, reason: str) -> None:
    logger.warning("transcription of recording %s: %s", recording_id, reason)
    settled = (
        Recording.objects.filter(pk=recording_id)
        .exclude(
            transcription_status__in=[
                Recording.TranscriptionStatus.AVAILABLE,
                Recording.TranscriptionStatus.ERROR,
            ]
        )
        .update(transcription_status=Recording.TranscriptionStatus.ERROR, updated_at=timezone.now())
    )
    if settled:
        report_voicemail(Recording.objects.get(pk=recording_id))


@transaction.atomic
def voicemail_mark(*, voicemail: Voicemail, listened: bool, user: Any | None) -> Voicemail:
    voicemail.listened = listened
    voicemail.listened_at = timezone.now() if listened else None
    voicemail.listened_by = user if listened and getattr(user, "pk", None) else None
    voicemail.save(update_fields=["listened", "listened_at", "listened_by"])
    return voicemail
