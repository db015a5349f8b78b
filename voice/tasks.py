"""Celery tasks of the voice app: each takes an id, loads the row and calls one service."""

from __future__ import annotations

import random

from celery import shared_task
from celery.app.task import Task

from config.periodic import periodic_lock

from . import selectors, services

MAX_RETRIES = 6


def _countdown(task: Task, seconds: float) -> float:
    backoff = max(seconds, 2.0**task.request.retries)
    return backoff + random.uniform(0, backoff / 2)


@shared_task(bind=True, max_retries=MAX_RETRIES)
def call_dial_task(self: Task, call_id: int) -> None:
    call = selectors.call_load(pk=call_id)
    if call is None:
        return
    try:
        services.call_dial(call=call)
    except services.RetryLater as exc:
        raise self.retry(countdown=_countdown(self, exc.seconds)) from exc


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def recording_download_task(self: Task, recording_id: int) -> None:
    recording = selectors.recording_find(pk=recording_id)
    if recording is None:
        return
    try:
        services.recording_download(recording=recording)
    except services.RetryLater as exc:
        raise self.retry(countdown=_countdown(self, exc.seconds)) from exc


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def recording_transcription_task(self: Task, recording_id: int) -> None:
    recording = selectors.recording_find(pk=recording_id)
    if recording is None:
        return
    try:
        services.recording_fetch_transcription(recording=recording)
    except services.RetryLater as exc:
        raise self.retry(countdown=_countdown(self, exc.seconds)) from exc


@shared_task
def missed_call_text_task(call_id: int) -> None:
    call = selectors.call_load(pk=call_id)
    if call is not None:
        services.call_send_missed_text(call=call)


@shared_task
def reconcile_voice() -> dict[str, int] | None:
    """Periodic: re-queue lost voice work; skipped while another run holds the lock."""
    with periodic_lock("voice-reconcile", 300) as held:
        return services.voice_reconcile() if held else None
