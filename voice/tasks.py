"""Celery tasks of the voice app: each takes an id, loads the row and calls one service. Calls to
Bandwidth go through the one retry policy of core.retries; its final verdict lands on the row."""

from __future__ import annotations

from celery import shared_task

from core.locks import try_lock
from core.retries import READS, SENDS, Decision, Verdict

from . import selectors, services

DIALS = SENDS.with_horizon("VOICE_DIAL_HORIZON_SECONDS")


def _dial_gave_up(call_id: int, *, decision: Decision) -> None:
    services.call_dial_failed(
        call_id=call_id,
        reason=decision.reason,
        ambiguous=decision.verdict is Verdict.RECONCILE,
    )


@DIALS.task(give_up=_dial_gave_up)
def call_dial_task(call_id: int) -> None:
    call = selectors.call_load(pk=call_id)
    if call is not None:
        services.call_dial(call=call)


def _download_gave_up(recording_id: int, *, decision: Decision) -> None:
    services.recording_download_failed(recording_id=recording_id, reason=decision.reason)


@READS.task(give_up=_download_gave_up, acks_late=True)
def recording_download_task(recording_id: int) -> None:
    recording = selectors.recording_find(pk=recording_id)
    if recording is not None:
        services.recording_download(recording=recording)


def _transcription_gave_up(recording_id: int, *, decision: Decision) -> None:
    services.recording_transcription_failed(recording_id=recording_id, reason=decision.reason)


@READS.task(give_up=_transcription_gave_up, acks_late=True)
def recording_transcription_task(recording_id: int) -> None:
    recording = selectors.recording_find(pk=recording_id)
    if recording is not None:
        services.recording_fetch_transcription(recording=recording)


@shared_task
def missed_call_text_task(call_id: int) -> None:
    call = selectors.call_load(pk=call_id)
    if call is not None:
        services.call_send_missed_text(call=call)


@shared_task
def reconcile_voice() -> dict[str, int] | None:
    """Periodic: re-queue lost voice work; skipped while another run holds the lock."""
    with try_lock("voice-reconcile", 300) as held:
        return services.voice_reconcile() if held else None
