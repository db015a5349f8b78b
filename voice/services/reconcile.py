"""Calls whose callbacks were lost, settled against Bandwidth."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from .. import selectors
from .calls import _dial_failed, _enqueue_dial
from .events import _enqueue_download, _enqueue_transcription

STUCK_AFTER = timedelta(minutes=2)


def voice_reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """Re-queue voice work a lost task left behind (Redis or a worker down).

    A click-to-call never tried is dialled again; one that was tried without an answer is failed
    rather than dialled twice. Recordings without media or with a pending transcription are
    fetched again.
    """
    moment = now or timezone.now()
    cutoff = moment - STUCK_AFTER
    counts = {"dialled": 0, "abandoned": 0, "downloads": 0, "transcriptions": 0}
    for call in selectors.calls_stuck_queued(before=cutoff):
        if call.dial_attempts == 0:
            _enqueue_dial(call.pk)
            counts["dialled"] += 1
        else:
            _dial_failed(call, "The call request got no answer from Bandwidth; not retried.")
            counts["abandoned"] += 1
    for recording in selectors.recordings_missing_media(before=cutoff):
        _enqueue_download(recording.pk)
        counts["downloads"] += 1
    for recording in selectors.recordings_pending_transcription(before=cutoff):
        _enqueue_transcription(recording.pk)
        counts["transcriptions"] += 1
    return counts
