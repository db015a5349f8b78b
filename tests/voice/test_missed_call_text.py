"""The automatic text after a missed call goes through messaging's send path (opt-outs apply)."""

from __future__ import annotations

import pytest

from messaging.models import Contact, Message
from voice.models import Call

from ..conftest import wait_until
from .conftest import BUSY, CALLER, finished_call, route

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "Sorry we missed your call. We will call you back today."


def test_missed_call_gets_the_text_once(line, set_route, caller, celery_worker, bandwidth):
    set_route(line, route({"type": "forward", "to": BUSY}, missed_call_text=TEXT))
    call = finished_call(caller.call(line.e164))
    assert call.status == Call.Status.NO_ANSWER
    message = wait_until(lambda: Message.objects.filter(tenant=line.tenant, text=TEXT).first())
    assert message.to == [CALLER] and message.from_number == line.e164
    assert not message.auto_reply  # an ordinary text: caps and opt-outs apply
    wait_until(lambda: Call.objects.get(pk=call.pk).missed_text_sent)
    state = bandwidth.emulator.state
    sent = wait_until(lambda: [m for m in list(state.messages.values()) if m.text == TEXT])
    assert len(sent) == 1


def test_answered_calls_get_no_text(line, set_route, caller, celery_worker):
    set_route(line, route({"type": "forward", "to": "+19195550111"}, missed_call_text=TEXT))
    call = finished_call(caller.call(line.e164))
    assert call.status == Call.Status.COMPLETED
    assert not Call.objects.get(pk=call.pk).missed_text_sent
    assert not Message.objects.filter(text=TEXT).exists()


def test_opted_out_callers_get_no_text(line, set_route, caller, celery_worker):
    Contact.objects.create(tenant=line.tenant, number=CALLER, opted_out=True)
    set_route(line, route({"type": "forward", "to": BUSY}, missed_call_text=TEXT))
    call = finished_call(caller.call(line.e164))
    wait_until(lambda: Call.objects.get(pk=call.pk).missed_text_sent)
    assert not Message.objects.filter(text=TEXT).exists()


def test_the_daily_cap_stops_missed_call_texts(line, set_route, caller, celery_worker):
    from messaging.services import messaging_policy_update

    messaging_policy_update(tenant=line.tenant, daily_segment_cap=0)
    set_route(line, route({"type": "forward", "to": BUSY}, missed_call_text=TEXT))
    call = finished_call(caller.call(line.e164))
    assert call.status == Call.Status.NO_ANSWER
    wait_until(lambda: Call.objects.get(pk=call.pk).missed_text_sent)
    assert not Message.objects.filter(text=TEXT).exists()
