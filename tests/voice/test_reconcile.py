"""Lost voice work is picked up again by the periodic reconciler, and never dialled twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.locks import lock
from voice import services, tasks
from voice.models import Call

from ..conftest import wait_until
from .conftest import AGENT

pytestmark = pytest.mark.django_db(transaction=True)


def _queued(line, **fields):
    values = {
        "tenant": line.tenant,
        "phone_number": line.number,
        "our_number": line.e164,
        "other_party": "+19195558800",
        "agent_number": AGENT,
        "direction": Call.Direction.OUTBOUND,
        "created_at": timezone.now() - timedelta(minutes=5),
    }
    return Call.objects.create(**(values | fields))


def test_a_call_whose_dial_task_was_lost_is_dialled(line, celery_worker):
    never_tried = _queued(line)
    tried = _queued(line, other_party="+19195558801", dial_attempts=1)
    fresh = Call.objects.create(
        tenant=line.tenant,
        phone_number=line.number,
        our_number=line.e164,
        other_party="+19195558802",
        agent_number=AGENT,
        direction="outbound",
    )
    counts = services.voice_reconcile()
    assert counts["dialled"] == 1 and counts["abandoned"] == 1
    assert Call.objects.get(pk=tried.pk).status == Call.Status.FAILED
    done = wait_until(lambda: (c := Call.objects.get(pk=never_tried.pk)).is_final and c)
    assert done.status == Call.Status.COMPLETED
    assert Call.objects.get(pk=fresh.pk).status == Call.Status.QUEUED


def test_reconcile_skips_while_another_run_holds_the_lock(line):
    _queued(line)
    other_run = lock("voice-reconcile", 60)
    assert other_run.acquire()
    assert tasks.reconcile_voice() is None
    other_run.release()
    assert Call.objects.get().status == Call.Status.QUEUED
